#!/usr/bin/env node
// Builds the prebuilt addon for this platform into prebuilds/<platform>-<arch>/
// with prebuildify: OpenBLAS, FFTW and CFITSIO linked statically
// (AIRY_LINK=static), so the addon needs only the C and C++ runtimes.
//
//   node scripts/prebuild.js [--out DIR]    (npm run prebuild)
//
// DIR (default: this package) receives prebuilds/<platform>-<arch>/.
//
// The build runs in a scratch copy of the sources so that the developer's own
// build/ (linked to the system libraries) is left as it was. Afterwards the
// addon's dynamic dependencies are checked: anything beyond the C and C++
// runtimes fails the build.
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const RUNTIMES = /^(libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s|ld-linux[-\w.]*)\.so/;
const SOURCES = ['binding.gyp', 'package.json', 'native', 'scripts/probe.js'];

function stageSources() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airy-prebuild-'));
  for (const f of SOURCES) fs.cpSync(path.join(root, f), path.join(dir, f), { recursive: true });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Shared libraries `file` names as NEEDED (readelf), and those beyond the C and C++ runtimes. */
function extraNeeds(file) {
  const out = execFileSync('readelf', ['-d', file], { encoding: 'utf8' });
  const needed = [...out.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  return { needed, extra: needed.filter((n) => !RUNTIMES.test(n)) };
}

// The running node's own headers (its install prefix), so that node-gyp
// does not try to download them.
function nodeDir() {
  const prefix = path.resolve(process.execPath, '..', '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

function main() {
  if (process.platform !== 'linux') {
    console.error('airy: prebuilt binaries are built on Linux only; elsewhere npm install builds from source');
    process.exit(1);
  }
  const i = process.argv.indexOf('--out');
  const out = i > 0 ? path.resolve(process.argv[i + 1] ?? '') : root;
  const dir = stageSources();
  try {
    const bin = path.join(root, 'node_modules', '.bin', 'prebuildify');
    const env = { npm_config_nodedir: nodeDir(), ...process.env, AIRY_LINK: 'static', AIRY_BLAS: 'openblas' };
    execFileSync(bin, ['--napi', '--strip', '--tag-libc', '--target', process.versions.node, '--cwd', dir, '--out', out], { stdio: 'inherit', env });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const target = path.join(out, 'prebuilds', `${process.platform}-${process.arch}`);
  for (const f of fs.readdirSync(target).filter((n) => n.endsWith('.node'))) {
    const file = path.join(target, f);
    const { needed, extra } = extraNeeds(file);
    if (extra.length) {
      console.error(`airy: ${file} depends on ${extra.join(', ')}; a prebuilt addon may need only the C and C++ runtimes`);
      process.exit(1);
    }
    const mib = (fs.statSync(file).size / 2 ** 20).toFixed(1);
    console.log(`${file}: ${mib} MiB, needs ${needed.join(', ')}`);
  }
}

module.exports = { extraNeeds };

if (require.main === module) main();

#!/usr/bin/env node
// airy command line. Exit codes: 0 success, 1 runtime failure, 2 bad usage or input.
'use strict';

const os = require('node:os');
const { Command, CommanderError } = require('commander');

function load() {
  try {
    return require('../dist/index.js');
  } catch (e) {
    if (e && e.code === 'MODULE_NOT_FOUND' && /dist[\\/]index\.js/.test(e.message)) {
      console.error('airy: the TypeScript build is missing; run `npm run build:ts` (or `npm install`).');
      process.exit(1);
    }
    throw e;
  }
}

function gib(bytes) {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

function infoReport(airy) {
  const cpu = airy.cpuInfo();
  return {
    airy: airy.version,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: { model: cpu.model || os.cpus()[0]?.model || 'unknown', vendor: cpu.vendor, features: cpu.features },
    cores: os.availableParallelism(),
    memory: { total: os.totalmem(), free: os.freemem() },
    blas: airy.blasInfo(),
    fftw: airy.fftwInfo(),
    cfitsio: airy.cfitsioVersion(),
    config: airy.config.explain(),
  };
}

function printInfo(r) {
  const line = (k, v) => console.log(`${k.padEnd(14)} ${v}`);
  line('airy', `${r.airy} (node ${r.node}, ${r.platform})`);
  line('cpu', `${r.cpu.model} [${r.cpu.vendor}]`);
  line('cpu features', r.cpu.features.join(' ') || '(none reported)');
  line('cores', r.cores);
  line('memory', `${gib(r.memory.total)} total, ${gib(r.memory.free)} free`);
  const b = r.blas;
  line('blas', `${b.vendor} ${b.version || '(version not reported)'}${b.kernel ? `, kernel ${b.kernel}` : ''}`);
  line('  library', b.library);
  line('  threading', `${b.threading}, ${b.threads < 0 ? 'unknown' : b.threads} thread(s)${b.threadsSettable ? '' : ' (fixed)'}`);
  for (const w of b.warnings) line('  WARNING', w);
  const f = r.fftw;
  line('fftw', `${f.version}, ${f.threads} thread(s)/transform, planner ${f.planner}, threads ${f.threadsAvailable ? 'available' : 'unavailable'}`);
  line('  wisdom', f.wisdomFile || '(none)');
  line('cfitsio', r.cfitsio);
  console.log('config');
  for (const [k, v] of Object.entries(r.config)) {
    console.log(`  ${k.padEnd(16)} ${JSON.stringify(v.value).padEnd(12)} ${v.source}${v.source === 'env' ? ` (${v.env})` : ''}`);
  }
}

const program = new Command();
program
  .name('airy')
  .description('Physical-optics PSF engine: matrix Fourier transforms on BLAS, FFTs on FFTW')
  .version(require('../package.json').version)
  .option('--verbose', 'print stack traces on errors')
  .exitOverride();

program
  .command('info')
  .description("describe this machine's numerical set-up: CPU, BLAS, FFTW, CFITSIO, config")
  .option('--json', 'machine-readable JSON output')
  .action((opts) => {
    const r = infoReport(load());
    if (opts.json) console.log(JSON.stringify(r, null, 2));
    else printInfo(r);
  });

async function main() {
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    const verbose = process.argv.includes('--verbose');
    console.error(`airy: ${verbose && e.stack ? e.stack : e.message}`);
    process.exitCode = e instanceof TypeError || e instanceof RangeError ? 2 : 1;
  }
}
main();

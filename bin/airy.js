#!/usr/bin/env node
// airy command line.
// Exit codes: 0 success; 1 runtime failure (computation, I/O, missing library);
// 2 bad usage or bad input (unknown option, malformed system JSON, bad value,
// a parallel set-up the safety policy refuses).
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { Command, CommanderError, Option } = require('commander');

const ROOT = path.resolve(__dirname, '..');

/** A usage or input error: exit code 2. */
class UsageError extends Error {}

function load() {
  try {
    return require('../dist/index.js');
  } catch (e) {
    if (e && e.code === 'MODULE_NOT_FOUND' && /dist[\\/]index\.js/.test(e.message)) {
      throw new Error('the TypeScript build is missing; run `npm run build:ts` (or `npm install`).');
    }
    throw e;
  }
}

function gib(bytes) {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

function standardWorkloads() {
  const dir = [path.join(ROOT, '..', 'shared', 'bench'), path.join(ROOT, 'benchmarks', 'workloads')].find((d) => fs.existsSync(path.join(d, 'imaging.json')));
  return dir ? ['imaging', 'coronagraph'].map((n) => ({ name: n, file: path.join(dir, `${n}.json`) })) : [];
}

function infoReport(airy) {
  const cpu = airy.cpuInfo();
  const mem = airy.availableMemory();
  const workers = {};
  for (const w of standardWorkloads()) {
    const osys = airy.loadSystem({ file: w.file });
    const n = (osys.defaultSource && osys.defaultSource.wavelengths.length) || 10;
    workers[w.name] = { wavelengths: n, nProcesses: airy.estimateOptimalNProcesses(osys, n), bytesPerWorker: airy.memoryModel(osys.workloadShape()).perProcess };
  }
  return {
    airy: airy.version,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: { model: cpu.model || os.cpus()[0]?.model || 'unknown', vendor: cpu.vendor, features: cpu.features },
    cores: os.availableParallelism(),
    memory: { total: os.totalmem(), free: os.freemem(), available: mem.bytes, availableSource: mem.source },
    blas: airy.blasInfo(),
    fftw: airy.fftwInfo(),
    cfitsio: airy.cfitsioVersion(),
    config: airy.config.explain(),
    workers,
  };
}

function printInfo(r) {
  const line = (k, v) => console.log(`${k.padEnd(14)} ${v}`);
  line('airy', `${r.airy} (node ${r.node}, ${r.platform})`);
  line('cpu', `${r.cpu.model} [${r.cpu.vendor}]`);
  line('cpu features', r.cpu.features.join(' ') || '(none reported)');
  line('cores', r.cores);
  line('memory', `${gib(r.memory.total)} total, ${gib(r.memory.available)} available (${r.memory.availableSource})`);
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
    console.log(`  ${k.padEnd(18)} ${JSON.stringify(v.value).padEnd(12)} ${v.source}${v.source === 'env' ? ` (${v.env})` : ''}`);
  }
  const ws = Object.entries(r.workers);
  if (ws.length) {
    console.log('workers (estimateOptimalNProcesses, standard workloads)');
    for (const [name, w] of ws) console.log(`  ${name.padEnd(12)} ${w.nProcesses} for ${w.wavelengths} wavelengths (${(w.bytesPerWorker / 2 ** 20).toFixed(0)} MB per worker)`);
  }
}

const numberList = (name) => (s) => {
  const v = s.split(',').map((x) => Number(x.trim()));
  if (!v.length || v.some((x) => !Number.isFinite(x))) throw new UsageError(`${name} must be comma-separated numbers, got ${JSON.stringify(s)}`);
  return v;
};
const positiveInt = (name) => (s) => {
  const v = Number(s);
  if (!Number.isInteger(v) || v < 0) throw new UsageError(`${name} must be a non-negative integer, got ${JSON.stringify(s)}`);
  return v;
};

/** Progress: a bar on a terminal, plain lines otherwise, nothing with --quiet. */
function progress(label, quiet) {
  if (quiet) return { onProgress: undefined, stop() {} };
  if (process.stderr.isTTY) {
    const { SingleBar, Presets } = require('cli-progress');
    const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total} wavelengths | {lam} | {duration_formatted} elapsed, ~{eta_formatted} left`, stream: process.stderr, hideCursor: true }, Presets.shades_classic);
    let started = false;
    return {
      onProgress: (p) => {
        if (!started) {
          bar.start(p.total, 0, { lam: '' });
          started = true;
        }
        bar.update(p.done, { lam: `${(p.wavelength * 1e6).toFixed(4)} µm` });
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  return {
    onProgress: (p) => console.error(`${label}: ${p.done}/${p.total} wavelengths (${(p.wavelength * 1e6).toFixed(4)} µm done)`),
    stop() {},
  };
}

function summary(psf, seconds) {
  const p = psf.parallel || { mode: 'none', workers: 1 };
  return `shape ${psf.shape[0]}x${psf.shape[1]}, pixel scale ${psf.pixelscale.toPrecision(4)}″/px, flux ${psf.total().toPrecision(6)}, peak ${psf.peak().toPrecision(4)}, time ${seconds.toFixed(3)} s, mode ${p.mode}${p.mode === 'processes' ? `/${p.startMethod}` : ''}, workers ${p.workers}`;
}

function loadSystemFile(airy, file) {
  try {
    return airy.loadSystem({ file });
  } catch (e) {
    // A bad system is bad input: the message names the JSON path.
    if (e instanceof TypeError || e instanceof RangeError || (e && (e.code === 'ERR_AIRY_JSON' || e.code === 'ERR_AIRY_SYSTEM' || e.code === 'ERR_AIRY_FITS'))) {
      throw new UsageError(`${file}: ${e.message}`);
    }
    throw e;
  }
}

async function psfCommand(file, opts) {
  const airy = load();
  if (!fs.existsSync(file)) throw new UsageError(`system file ${file} does not exist`);
  const osys = loadSystemFile(airy, file);
  const calc = {};
  if (opts.wavelength !== undefined && opts.wavelengths !== undefined) throw new UsageError('give --wavelength or --wavelengths, not both');
  if (opts.weights !== undefined && opts.wavelengths === undefined) throw new UsageError('--weights needs --wavelengths');
  if (opts.wavelength !== undefined) calc.wavelength = opts.wavelength;
  if (opts.wavelengths !== undefined) calc.source = { wavelengths: opts.wavelengths, ...(opts.weights ? { weights: opts.weights } : {}) };
  if (opts.parallel) calc.parallel = opts.parallel;
  if (opts.nprocs !== undefined) calc.nProcesses = opts.nprocs;
  if (opts.startMethod) calc.startMethod = opts.startMethod;
  if (opts.normalize) calc.normalize = opts.normalize;
  if (calc.wavelength === undefined && calc.source === undefined && !osys.defaultSource) {
    throw new UsageError(`${file} has no "source": give --wavelength or --wavelengths`);
  }
  const bar = progress('psf', opts.quiet);
  calc.onProgress = bar.onProgress;
  const t0 = performance.now();
  let psf;
  try {
    psf = await osys.calcPsf(calc);
  } finally {
    bar.stop();
  }
  const seconds = (performance.now() - t0) / 1e3;
  const out = opts.output || `${path.basename(file, path.extname(file))}.fits`;
  await psf.writeFits(out);
  if (opts.png) await psf.toPng(opts.png, { decades: opts.decades });
  if (opts.json) console.log(JSON.stringify({ fits: path.resolve(out), png: opts.png ? path.resolve(opts.png) : null, shape: psf.shape, pixelscale: psf.pixelscale, flux: psf.total(), peak: psf.peak(), seconds, parallel: psf.parallel }));
  else console.log(`${out}${opts.png ? ` + ${opts.png}` : ''}: ${summary(psf, seconds)}`);
}

/** The demo's systems: an obscured 6.5 m telescope and a Lyot coronagraph on it. */
function demoSystems() {
  const telescope = [
    { type: 'CircularAperture', radius: 3.25 },
    { type: 'SecondaryObscuration', secondaryRadius: 0.4, nSupports: 3, supportWidth: 0.1, supportAngleOffset: 0 },
  ];
  const source = { wavelengths: [1.9e-6, 1.95e-6, 2.0e-6, 2.05e-6, 2.1e-6], weights: [1, 1, 1, 1, 1] };
  return [
    { name: 'telescope', title: 'Obscured 6.5 m telescope', system: { npix: 512, oversample: 1, planes: [{ kind: 'pupil', optics: telescope }, { kind: 'detector', pixelscale: 0.0311, fovArcsec: 4, oversample: 4 }], source, normalize: 'first' } },
    {
      name: 'coronagraph', title: 'Lyot coronagraph (0.4″ spot, 3.0 m Lyot stop)',
      system: { npix: 512, oversample: 4, planes: [{ kind: 'pupil', optics: telescope }, { kind: 'image', optics: [{ type: 'CircularOcculter', radius: 0.4 }] }, { kind: 'pupil', optics: [{ type: 'CircularAperture', radius: 3.0 }] }, { kind: 'detector', pixelscale: 0.0311, fovArcsec: 4, oversample: 4 }], source, normalize: 'first' },
    },
  ];
}

async function demoCommand(opts) {
  const airy = load();
  const dir = path.resolve(opts.out);
  fs.mkdirSync(dir, { recursive: true });
  console.log(`airy demo: polychromatic PSFs (5 wavelengths, 1.9-2.1 µm) into ${dir}`);
  for (const d of demoSystems()) {
    const osys = airy.loadSystem(d.system);
    const bar = progress(d.name, opts.quiet);
    const t0 = performance.now();
    let psf;
    try {
      psf = await osys.calcPsf({ onProgress: bar.onProgress, ...(opts.parallel ? { parallel: opts.parallel } : {}) });
    } finally {
      bar.stop();
    }
    const seconds = (performance.now() - t0) / 1e3;
    const fits = path.join(dir, `${d.name}.fits`);
    const png = path.join(dir, `${d.name}.png`);
    await psf.writeFits(fits);
    await psf.toPng(png, { title: d.title, subtitle: psf.describe().replace(/^PSF: /, '') });
    console.log(`  ${d.name.padEnd(12)} ${path.relative(process.cwd(), fits) || fits}, ${path.relative(process.cwd(), png) || png}: ${summary(psf, seconds)}`);
  }
  airy.shutdownPool();
}

function benchCommand(opts, cmd) {
  const script = path.join(ROOT, 'benchmarks', 'suite.ts');
  try {
    require.resolve('tsx', { paths: [ROOT] });
  } catch {
    throw new Error('airy bench runs the TypeScript benchmark suite and needs the development dependencies: run `npm install` in the airy checkout');
  }
  const args = ['--import', 'tsx', script, ...cmd.args];
  if (opts.quick) args.push('--quick');
  if (opts.full) args.push('--full');
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: ROOT });
  process.exitCode = r.status === null ? 1 : r.status;
}

const program = new Command();
program
  .name('airy')
  .description('Physical-optics PSF engine: matrix Fourier transforms on BLAS, FFTs on FFTW')
  .version(require('../package.json').version)
  .option('--verbose', 'print stack traces on errors')
  .exitOverride()
  .showHelpAfterError('(run airy --help for usage)');

program
  .command('info')
  .description("describe this machine's numerical set-up: CPU, BLAS, FFTW, CFITSIO, config, worker counts")
  .option('--json', 'machine-readable JSON output')
  .addHelpText('after', '\nExamples:\n  airy info\n  airy info --json | jq .blas')
  .action((opts) => {
    const r = infoReport(load());
    if (opts.json) console.log(JSON.stringify(r, null, 2));
    else printInfo(r);
  });

program
  .command('psf')
  .description('compute the PSF of a JSON optical system; write FITS (and PNG)')
  .argument('<system>', 'JSON optical system (see examples/)')
  .option('-o, --output <file>', 'FITS file to write (default: <system>.fits)')
  .option('--png <file>', 'also draw the PSF as a PNG')
  .option('--wavelength <metres>', 'one wavelength', (s) => numberList('--wavelength')(s)[0])
  .option('--wavelengths <list>', 'comma-separated wavelengths in metres', numberList('--wavelengths'))
  .option('--weights <list>', 'comma-separated weights (default equal)', numberList('--weights'))
  .addOption(new Option('--parallel <mode>', 'spread wavelengths').choices(['none', 'processes', 'threads', 'auto']))
  .option('--nprocs <n>', 'workers (0 = estimate)', positiveInt('--nprocs'))
  .addOption(new Option('--start-method <method>', 'worker processes').choices(['spawn', 'fork']))
  .addOption(new Option('--normalize <how>', 'normalisation').choices(['first', 'last', 'exit_pupil', 'none']))
  .option('--decades <n>', 'PNG log-stretch range below the peak', (s) => numberList('--decades')(s)[0])
  .option('--json', 'print the summary as JSON')
  .option('-q, --quiet', 'no progress output')
  .addHelpText('after', '\nExamples:\n  airy psf examples/lyot-coronagraph.json -o lyot.fits --png lyot.png\n  airy psf system.json --wavelengths 1.9e-6,2.0e-6,2.1e-6 --weights 1,2,1 --parallel threads')
  .action(psfCommand);

program
  .command('demo')
  .description('compute polychromatic PSFs of an obscured telescope and a Lyot coronagraph; write FITS and PNG')
  .option('--out <dir>', 'output folder', 'airy-demo')
  .addOption(new Option('--parallel <mode>', 'spread wavelengths').choices(['none', 'processes', 'threads', 'auto']))
  .option('-q, --quiet', 'no progress output')
  .addHelpText('after', '\nExample:\n  airy demo && ls airy-demo')
  .action(demoCommand);

program
  .command('bench')
  .description('run the benchmark suite (modes × oversampling for imaging and coronagraphy)')
  .option('--quick', 'k = 1, 2, one timed run per point (under 3 minutes on 2 cores)')
  .option('--full', 'k = 1, 2, 4, 6')
  .allowUnknownOption()
  .addHelpText('after', '\nExamples:\n  airy bench --quick\n  airy bench --repeats 5 --out /tmp/mybench')
  .action(benchCommand);

async function main() {
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    const verbose = process.argv.includes('--verbose');
    // A refused parallel set-up is a choice the caller can change: exit 2.
    const refused = e && e.name === 'UnsafeParallelismError';
    const usage = refused || e instanceof UsageError || e instanceof TypeError || e instanceof RangeError;
    const code = e && typeof e.code === 'string' && e.code.startsWith('ERR_AIRY_') ? ` [${e.code}]` : '';
    console.error(`airy:${code} ${verbose && e.stack ? e.stack : e.message}`);
    process.exitCode = usage ? 2 : 1;
  }
}
main();

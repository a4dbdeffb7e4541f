/**
 * The airy command line.
 * Exit codes: 0 success; 1 runtime failure (computation, I/O, missing
 * library); 2 bad usage or bad input (unknown option, malformed system JSON,
 * bad value, a parallel set-up the safety policy refuses).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { packageRoot } from '../binding';
import { version } from '../version';
import { gridCommand, workerCommand } from './grid';
import { infoReport, printInfo } from './info';
import { interruptedBy, interruptExitCode } from './interrupt';
import { measureCommand } from './measure';
import { plotCommand } from './plot';
import { demoCommand, psfCommand, pupilCommand } from './psf';
import { UsageError } from './usage';

const numberList = (name: string) => (s: string) => {
  const v = s.split(',').map((x) => Number(x.trim()));
  if (!v.length || v.some((x) => !Number.isFinite(x))) throw new UsageError(`${name} must be comma-separated numbers, got ${JSON.stringify(s)}`);
  return v;
};
const positiveInt = (name: string) => (s: string) => {
  const v = Number(s);
  if (!Number.isInteger(v) || v < 0) throw new UsageError(`${name} must be a non-negative integer, got ${JSON.stringify(s)}`);
  return v;
};
const PARALLEL = ['none', 'processes', 'threads', 'auto'];

function benchCommand(opts: { quick?: boolean; full?: boolean }, cmd: Command): void {
  const script = path.join(packageRoot, 'benchmarks', 'suite.ts');
  try {
    require.resolve('tsx', { paths: [packageRoot] });
  } catch {
    throw new Error('airy bench runs the TypeScript benchmark suite and needs the development dependencies: run `npm install` in the airy checkout');
  }
  const args = ['--import', 'tsx', script, ...cmd.args];
  if (opts.quick) args.push('--quick');
  if (opts.full) args.push('--full');
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: packageRoot });
  process.exitCode = r.status === null ? 1 : r.status;
}

function program(): Command {
  const p = new Command();
  p.name('airy')
    .description('Physical-optics PSF engine: matrix Fourier transforms on BLAS, FFTs on FFTW')
    .version(version)
    .option('--verbose', 'print stack traces on errors')
    .exitOverride()
    .showHelpAfterError('(run airy --help for usage)');
  p.command('info')
    .description("describe this machine's numerical set-up: CPU, BLAS, FFTW, CFITSIO, config, worker counts")
    .option('--json', 'machine-readable JSON output')
    .addHelpText('after', '\nExamples:\n  airy info\n  airy info --json | jq .blas')
    .action((opts: { json?: boolean }) => {
      const r = infoReport();
      if (opts.json) console.log(JSON.stringify(r, null, 2));
      else printInfo(r);
    });
  p.command('psf')
    .description('compute the PSF of a JSON optical system; write FITS (and PNG)')
    .argument('<system>', 'JSON optical system (see examples/)')
    .option('-o, --output <file>', 'FITS file to write (default: <system>.fits)')
    .option('--png <file>', 'also draw the PSF as a PNG')
    .option('--wavelength <metres>', 'one wavelength', (s: string) => numberList('--wavelength')(s)[0])
    .option('--wavelengths <list>', 'comma-separated wavelengths in metres', numberList('--wavelengths'))
    .option('--weights <list>', 'comma-separated weights (default equal)', numberList('--weights'))
    .addOption(new Option('--parallel <mode>', 'spread wavelengths').choices(PARALLEL))
    .option('--nprocs <n>', 'workers (0 = estimate)', positiveInt('--nprocs'))
    .addOption(new Option('--start-method <method>', 'worker processes').choices(['spawn', 'fork']))
    .addOption(new Option('--normalize <how>', 'normalisation').choices(['first', 'last', 'exit_pupil', 'none']))
    .addOption(new Option('--precision <p>', "float64 or float32 fields, MFTs and FFTs (default: the system's, else config)").choices(['double', 'single']))
    .option('--decades <n>', 'PNG log-stretch range below the peak', (s: string) => numberList('--decades')(s)[0])
    .option('--json', 'print the summary as JSON')
    .option('--measure', 'add FWHM and the 50 % and 80 % encircled-energy radii to the summary')
    .option('--jitter <arcsec>', 'Gaussian jitter sigma per axis (blurs HDUs 0 and 1)', (s: string) => numberList('--jitter')(s)[0])
    .option(
      '--charge-diffusion <pixels>',
      'charge diffusion sigma in detector pixels (adds OVERDIST, DET_DIST)',
      (s: string) => numberList('--charge-diffusion')(s)[0],
    )
    .option('--ipc <alpha>', 'inter-pixel capacitance to each neighbour (adds OVERDIST, DET_DIST)', (s: string) => numberList('--ipc')(s)[0])
    .option('--datacube', "write one PSF per wavelength as a FITS cube with WAVELNii keywords (POPPY's calc_datacube)")
    .option('-q, --quiet', 'no progress output')
    .addHelpText(
      'after',
      '\nExamples:\n  airy psf examples/lyot-coronagraph.json -o lyot.fits --png lyot.png\n  airy psf system.json --wavelengths 1.9e-6,2.0e-6,2.1e-6 --weights 1,2,1 --parallel threads\n  airy psf examples/blackbody-datacube.json --datacube -o cube.fits',
    )
    .action(psfCommand);
  p.command('measure')
    .description('measure a PSF in a FITS file: centroid, FWHM (two estimators), encircled energy, sharpness')
    .argument('<fits>', 'FITS file with a PIXELSCL keyword (airy or POPPY output)')
    .option('--ext <n>', 'HDU (0: oversampled, 1: detector-sampled)', positiveInt('--ext'))
    .option('--ee <radii>', 'comma-separated radii in arcsec to report encircled energy at', numberList('--ee'))
    .option('--json', 'print the numbers as JSON')
    .addHelpText('after', '\nExamples:\n  airy measure psf.fits\n  airy measure psf.fits --ext 1 --ee 0.1,0.5 --json')
    .action(measureCommand);
  p.command('plot')
    .description("chart a PSF file's radial profile, encircled energy or contrast curve as PNG")
    .argument('<fits>', 'FITS file with a PIXELSCL keyword')
    .option('--profile', 'azimuthal mean (and mean + 1σ) over the peak, log scale')
    .option('--ee', 'encircled energy, with the 50 % and 80 % radii marked')
    .option('--contrast', 'ring mean and std over the off-axis peak (needs --off-axis-peak)')
    .option('--off-axis-peak <value|file>', "the unocculted peak, or the off-axis PSF's FITS file")
    .option('--ext <n>', 'HDU (0: oversampled, 1: detector-sampled)', positiveInt('--ext'))
    .option('-o, --output <file>', 'PNG to write (default: <fits>-<kind>.png)')
    .addHelpText('after', '\nExamples:\n  airy plot psf.fits --ee -o ee.png\n  airy plot lyot.fits --contrast --off-axis-peak open.fits -o contrast.png')
    .action(plotCommand);
  p.command('pupil')
    .description("draw a JSON system's entrance pupil as airy samples it: amplitude (and OPD) as PNG")
    .argument('<system>', 'JSON optical system (see examples/)')
    .option('-o, --output <file>', 'PNG of the amplitude (default: <system>-pupil.png)')
    .option('--opd <file>', 'also draw the OPD (nm)')
    .addHelpText('after', '\nExample:\n  airy pupil examples/segmented-telescope.json -o pupil.png --opd opd.png')
    .action(pupilCommand);
  p.command('demo')
    .description('compute polychromatic PSFs of an obscured telescope and a Lyot coronagraph; write FITS and PNG')
    .option('--out <dir>', 'output folder', 'airy-demo')
    .addOption(new Option('--parallel <mode>', 'spread wavelengths').choices(PARALLEL))
    .option('-q, --quiet', 'no progress output')
    .addHelpText('after', '\nExample:\n  airy demo && ls airy-demo')
    .action(demoCommand);
  p.command('grid')
    .description('compute a grid of PSFs over the field (and focus) as a WebbPSF/photutils FITS cube; resumable')
    .argument('<grid>', 'JSON grid: system, field points, wavefront over the field, focus steps (see examples/grid-field.json)')
    .requiredOption('--out <dir>', 'results directory: points as they finish, then grid.fits and grid.json')
    .option('--queue <url>', 'enqueue the points for airy workers on Redis (redis://host:port[/db]) instead of computing here')
    .addOption(new Option('--parallel <mode>', 'spread wavelengths of each PSF').choices(PARALLEL))
    .option('--nprocs <n>', 'workers (0 = estimate)', positiveInt('--nprocs'))
    .addOption(new Option('--start-method <method>', 'worker processes').choices(['spawn', 'fork']))
    .addOption(new Option('--precision <p>', 'precision of points whose system does not say').choices(['double', 'single']))
    .option('--json', 'print the summary as JSON')
    .option('-q, --quiet', 'no progress output')
    .addHelpText(
      'after',
      '\nExamples:\n  airy grid examples/grid-field.json --out field-grid\n  airy grid examples/grid-field.json --out /shared/field-grid --queue redis://queue-host:6379',
    )
    .action(gridCommand);
  p.command('worker')
    .description('compute queued grid points (from airy grid --queue) until interrupted')
    .requiredOption('--queue <url>', 'Redis URL, redis://host:port[/db]')
    .option('--concurrency <n>', 'points computed at once (default 1)', positiveInt('--concurrency'))
    .option('--lock-duration <ms>', 'how long a silent worker keeps its point before another takes it (default 30000)', positiveInt('--lock-duration'))
    .addOption(new Option('--parallel <mode>', 'spread wavelengths of each PSF').choices(PARALLEL))
    .option('--nprocs <n>', 'workers per PSF (0 = estimate)', positiveInt('--nprocs'))
    .option('-q, --quiet', 'no log lines')
    .addHelpText('after', '\nExample:\n  airy worker --queue redis://queue-host:6379 --concurrency 2')
    .action(workerCommand);
  p.command('bench')
    .description('run the benchmark suite (modes × oversampling for imaging and coronagraphy)')
    .option('--quick', 'k = 1, 2, one timed run per point (under 3 minutes on 2 cores)')
    .option('--full', 'k = 1, 2, 4, 6')
    .allowUnknownOption()
    .addHelpText('after', '\nExamples:\n  airy bench --quick\n  airy bench --repeats 5 --out /tmp/mybench')
    .action(benchCommand);
  return p;
}

/** Runs the CLI on `argv` (process.argv form); sets process.exitCode. */
export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    const signal = interruptedBy();
    if (signal) {
      console.error(`airy: interrupted by ${signal}; no file was left half-written`);
      process.exitCode = interruptExitCode(signal);
      return;
    }
    const err = e as Error & { code?: unknown };
    // A refused parallel set-up is a choice the caller can change: exit 2.
    const usage = err.name === 'UnsafeParallelismError' || e instanceof UsageError || e instanceof TypeError || e instanceof RangeError;
    const code = typeof err.code === 'string' && err.code.startsWith('ERR_AIRY_') ? ` [${err.code}]` : '';
    console.error(`airy:${code} ${argv.includes('--verbose') && err.stack ? err.stack : err.message}`);
    process.exitCode = usage ? 2 : 1;
  }
}

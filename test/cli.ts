import t from 'tap';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

const BIN = path.resolve(__dirname, '..', 'bin', 'airy.js');
const airy = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

t.test('airy info --json describes the machine', async (t) => {
  const r = airy('info', '--json');
  t.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  t.match(j, {
    airy: String, cores: Number,
    blas: { vendor: String, library: String, warnings: Array },
    fftw: { version: /^fftw-3/ },
    cfitsio: /^\d+\.\d+$/,
    config: { fftThreads: { value: 1, source: 'default' } },
  });
  t.ok(j.cpu.features.length > 0);
});

t.test('airy info prints a readable report', async (t) => {
  const r = airy('info');
  t.equal(r.status, 0);
  t.match(r.stdout, /^blas\s+\S+/m);
  t.match(r.stdout, /^fftw\s+fftw-3/m);
});

t.test('usage errors exit with code 2', async (t) => {
  const r = airy('no-such-command');
  t.equal(r.status, 2);
  t.match(r.stderr, /unknown command/);
  t.equal(airy('--help').status, 0);
});

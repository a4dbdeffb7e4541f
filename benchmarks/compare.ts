// Regression guard: compares two results files of `npm run bench` point by
// point and flags slow-downs beyond the noise seen between repeats.
//
//   npm run bench:compare -- OLD.json NEW.json [--min 0.05]
//
// For each point (workload, k, mode) present in both files: ratio = new/old
// seconds. The noise of a point is the relative spread (max − min)/median of
// its repeated runs, the larger of the two files' (10% when a file has a
// single run); a point is flagged SLOWER when the ratio exceeds 1 + max(min,
// 2 × noise), FASTER when below 1 − that. Exit code 1 if anything is slower.
import * as fs from 'node:fs';

interface Point {
  workload: string;
  k: number;
  mode: string;
  seconds: number;
  runs: number[];
}

const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith('--') && !/^\d*\.?\d+$/.test(a));
const minIdx = args.indexOf('--min');
const MIN = minIdx >= 0 ? Number(args[minIdx + 1]) : 0.05;
if (files.length !== 2 || !(MIN >= 0)) {
  console.error('usage: npm run bench:compare -- OLD.json NEW.json [--min 0.05]');
  process.exit(2);
}

function load(f: string): { points: Point[]; machine?: { cpu?: string; commit?: string } } {
  try {
    const j = JSON.parse(fs.readFileSync(f, 'utf8'));
    if (!Array.isArray(j.points)) throw new Error('no "points" array (not a results file of npm run bench)');
    return j;
  } catch (e) {
    console.error(`bench:compare: ${f}: ${(e as Error).message}`);
    process.exit(2);
  }
}

const spread = (p: Point) => {
  if (!p.runs || p.runs.length < 2) return 0.1;
  return (Math.max(...p.runs) - Math.min(...p.runs)) / p.seconds;
};

const [a, b] = [load(files[0]!), load(files[1]!)];
console.log(`old: ${files[0]} (${a.machine?.cpu ?? '?'}, ${a.machine?.commit ?? '?'})`);
console.log(`new: ${files[1]} (${b.machine?.cpu ?? '?'}, ${b.machine?.commit ?? '?'})\n`);
console.log('workload      k  mode      old s    new s   new/old  noise  verdict');
let slower = 0;
let compared = 0;
for (const p of a.points) {
  const q = b.points.find((x) => x.workload === p.workload && x.k === p.k && x.mode === p.mode);
  if (!q) continue;
  compared++;
  const ratio = q.seconds / p.seconds;
  const noise = Math.max(spread(p), spread(q));
  const tol = Math.max(MIN, 2 * noise);
  const verdict = ratio > 1 + tol ? 'SLOWER' : ratio < 1 - tol ? 'faster' : 'same';
  if (verdict === 'SLOWER') slower++;
  console.log(
    `${p.workload.padEnd(12)} ${String(p.k).padStart(2)}  ${p.mode.padEnd(8)} ${p.seconds.toFixed(3).padStart(7)} ${q.seconds.toFixed(3).padStart(8)} ${ratio.toFixed(3).padStart(9)} ${(noise * 100).toFixed(0).padStart(5)}%  ${verdict}`,
  );
}
console.log(`\n${compared} points compared, ${slower} slower beyond noise`);
process.exit(slower > 0 ? 1 : 0);

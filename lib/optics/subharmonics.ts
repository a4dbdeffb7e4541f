/**
 * The low frequencies of a random screen. An FFT screen holds one frequency
 * per cell of side 1/L at the cell's centre: the screen is periodic over L and
 * misses everything below 1/L, which for turbulence (PSD ∝ f^(−11/3)) is most
 * of the structure at large separations. Here the cells within LOW_CELLS of
 * the origin, and the origin cell split 3 × 3 again and again (Lane et al.
 * 1992), are drawn as single waves instead: each carries its cell's power
 * (the PSD integrated over the cell), at a frequency drawn within the cell
 * with probability ∝ PSD. The screen's expected structure function is then
 * the continuous spectrum's over those cells, not a point sample of it
 * (the bias Johansson & Gavel 1994 measured in Lane's method).
 */

/** Cells of the FFT grid, |kx|, |ky| ≤ LOW_CELLS, drawn as waves. */
export const LOW_CELLS = 3;
/** Levels of 3 × 3 subdivision of the origin cell: the last is 3^−20 of 1/L wide. */
const LEVELS = 20;
/** Sub-cells a side in each cell's table of the PSD (its integral and the draw of its frequency). */
const TABLE = 8;

interface Cell {
  fx: number;
  fy: number;
  width: number;
}

/** The cells drawn as waves: the grid's low cells, then 8 per level around the origin. */
function lowCells(df: number): Cell[] {
  const cells: Cell[] = [];
  for (let i = -LOW_CELLS; i <= LOW_CELLS; i++)
    for (let j = -LOW_CELLS; j <= LOW_CELLS; j++) if (i !== 0 || j !== 0) cells.push({ fx: j * df, fy: i * df, width: df });
  for (let level = 1, w = df / 3; level <= LEVELS; level++, w /= 3)
    for (let i = -1; i <= 1; i++) for (let j = -1; j <= 1; j++) if (i !== 0 || j !== 0) cells.push({ fx: j * w, fy: i * w, width: w });
  return cells;
}

/** The cell's power ∫PSD, and a frequency drawn within it with probability ∝ PSD (from the midpoint table). */
function drawWave(cell: Cell, psd: (f: number) => number, u: () => number): { power: number; fx: number; fy: number } {
  const h = cell.width / TABLE;
  const x0 = cell.fx - cell.width / 2;
  const y0 = cell.fy - cell.width / 2;
  const cumulative = new Float64Array(TABLE * TABLE);
  let total = 0;
  for (let s = 0; s < TABLE * TABLE; s++) {
    total += psd(Math.hypot(x0 + ((s % TABLE) + 0.5) * h, y0 + (Math.floor(s / TABLE) + 0.5) * h));
    cumulative[s] = total;
  }
  const target = u() * total;
  let s = 0;
  while (s < TABLE * TABLE - 1 && cumulative[s]! < target) s++;
  return { power: total * h * h, fx: x0 + ((s % TABLE) + u()) * h, fy: y0 + (Math.floor(s / TABLE) + u()) * h };
}

/** cos θ − 1 without cancellation for small θ. */
const cosm1 = (t: number) => -2 * Math.sin(t / 2) ** 2;

/**
 * Adds the low-frequency waves to an n × n screen of side `side` (samples at
 * (j − n/2)·side/n). Each wave is √power·(g1·(cos θ − 1) − g2·sin θ): its
 * piston is dropped, which keeps the slow waves' huge pistons out of the sum.
 * θ = 2π(fx·x + fy·y) is split into x and y factors, n² work a wave.
 */
export function addLowFrequencies(screen: Float64Array, n: number, side: number, psd: (f: number) => number, g: () => number, u: () => number): void {
  const step = side / n;
  const sinX = new Float64Array(n);
  const cosX = new Float64Array(n);
  const sinY = new Float64Array(n);
  const cosY = new Float64Array(n);
  for (const cell of lowCells(1 / side)) {
    const { power, fx, fy } = drawWave(cell, psd, u);
    const a = Math.sqrt(power);
    const c = a * g();
    const s = a * g();
    for (let k = 0; k < n; k++) {
      const x = (k - n / 2) * step;
      sinX[k] = Math.sin(2 * Math.PI * fx * x);
      cosX[k] = cosm1(2 * Math.PI * fx * x);
      sinY[k] = Math.sin(2 * Math.PI * fy * x);
      cosY[k] = cosm1(2 * Math.PI * fy * x);
    }
    for (let i = 0; i < n; i++) {
      const row = i * n;
      for (let j = 0; j < n; j++) {
        // cos(a + b) − 1 = (cos a − 1)·cos b + (cos b − 1) − sin a·sin b, with cos b = 1 + (cos b − 1).
        const cm1 = cosX[j]! * (1 + cosY[i]!) + cosY[i]! - sinX[j]! * sinY[i]!;
        const sn = sinX[j]! * (1 + cosY[i]!) + (1 + cosX[j]!) * sinY[i]!;
        screen[row + j]! += c * cm1 - s * sn;
      }
    }
  }
}

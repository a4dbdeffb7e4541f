// Sampling optics on test grids: a centred n×n grid, its whole rectangle,
// and an optic's transmitted area.
import type { Optic } from '../../lib/index';

/** A centred n×n grid spanning `width` plane units. */
export const grid = (n: number, width: number) => ({ ny: n, nx: n, cy: (n - 1) / 2, cx: (n - 1) / 2, scale: width / n });
/** The whole of an n×n grid. */
export const whole = (n: number) => ({ y0: 0, x0: 0, ny: n, nx: n });
/** Σ amp · pixel area (the transmitted area in plane units²). */
export function area(o: Optic, n: number, width: number): number {
  const g = grid(n, width);
  return o.sample(g, whole(n)).amp.reduce((a, v) => a + v, 0) * g.scale ** 2;
}

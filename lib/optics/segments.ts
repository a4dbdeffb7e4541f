/**
 * Segment layout of hexagonally packed apertures, numbered as POPPY numbers
 * them: 0 is the centre, 1 the segment straight above it (+y), then
 * clockwise around each ring, ring after ring. Ring r holds 6r segments
 * whose centres lie on a hexagon of "radius" r·spacing with corners at
 * angles 0°, 60°, ... from +y.
 */

/** Number of segments in ring `r` (1 for the centre). */
export const segmentsInRing = (r: number): number => (r === 0 ? 1 : 6 * r);

/** Number of segments inside ring `r` (rings 0 … r − 1). */
export const segmentsInsideRing = (r: number): number => (r === 0 ? 0 : 1 + 3 * r * (r - 1));

/** The ring segment `index` is in. */
export function ringOf(index: number): number {
  let r = 0;
  while (segmentsInsideRing(r + 1) <= index) r++;
  return r;
}

/** Centre [x, y] of segment `index`, for centre-to-centre `spacing` (plane units). */
export function segmentCentre(index: number, spacing: number): [number, number] {
  const ring = ringOf(index);
  if (ring === 0) return [0, 0];
  const k = index - segmentsInsideRing(ring); // 0-based position in the ring
  const side = Math.floor(k / ring); // which of the six sides, counted clockwise from +y
  const step = k % ring; // segments past that side's corner
  const corner = (side * Math.PI) / 3; // corner angle, clockwise from +y
  // Walking a side from its corner goes toward the next corner: direction corner + 120°.
  const walk = corner + (2 * Math.PI) / 3;
  const x = ring * spacing * Math.sin(corner) + step * spacing * Math.sin(walk);
  const y = ring * spacing * Math.cos(corner) + step * spacing * Math.cos(walk);
  return [x, y];
}

/** The segments an aperture holds: `segments` if given, else rings 0 … `rings` (without 0 unless `center`). */
export function segmentIndices(rings: number, center: boolean, segments?: readonly number[]): number[] {
  if (segments) return [...segments];
  const all = Array.from({ length: segmentsInsideRing(rings + 1) }, (_, i) => i);
  return center ? all : all.slice(1);
}

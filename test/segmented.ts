// Segmented apertures: POPPY's segment numbering, clear areas, and the
// equality of one segment with the single-hexagon (or circle) optic.
import t from 'tap';
import {
  CircularAperture,
  composeOpd,
  decomposeSegmentedOpd,
  HexagonAperture,
  HexSegmentedDeformableMirror,
  loadSystem,
  MultiCircularAperture,
  MultiHexagonAperture,
  OpticalSystem,
  segmentCentre,
  SegmentedWFE,
  segmentIndices,
} from '../lib/index';
import { area, grid, whole } from './helpers/sampling';

const HEX = (3 * Math.sqrt(3)) / 2; // area of a unit-side hexagon

t.test('segments are numbered as POPPY numbers them: 1 above the centre, then clockwise, ring by ring', async (t) => {
  const near = (a: [number, number], b: [number, number]) => Math.hypot(a[0] - b[0], a[1] - b[1]) < 1e-12;
  t.ok(near(segmentCentre(0, 1), [0, 0]), 'segment 0 is the centre');
  t.ok(near(segmentCentre(1, 1), [0, 1]), 'segment 1 is straight above (+y)');
  t.ok(near(segmentCentre(2, 1), [Math.sqrt(3) / 2, 0.5]), 'segment 2 is clockwise from it (toward +x)');
  t.ok(near(segmentCentre(7, 1), [0, 2]), 'ring 2 starts above too');
  t.ok(near(segmentCentre(10, 1), [Math.sqrt(3), 0]), 'segment 10 sits on +x, midway along the second side of ring 2');
  t.same(segmentIndices(2, false).length, 18, 'two rings without the centre: 18 (JWST)');
  t.same(segmentIndices(3, true).length, 37, 'three rings with the centre: 37');
  // Every segment of rings 1-4 has its nearest neighbours exactly one spacing away, and no two coincide.
  const c = Array.from({ length: 61 }, (_, i) => segmentCentre(i, 1));
  for (let i = 0; i < c.length; i++) {
    const d = c.map((p, j) => (j === i ? Infinity : Math.hypot(p[0] - c[i]![0], p[1] - c[i]![1])));
    if (Math.abs(Math.min(...d) - 1) > 1e-12) t.fail(`segment ${i}: nearest neighbour at ${Math.min(...d)}`);
  }
  t.pass('nearest neighbours one spacing apart, 61 segments');
});

t.test('clear area: N hexagons of side s, N·(3√3/2)·s², with or without gaps (1e-9: edge pixels hold their exact area)', async (t) => {
  const cases: [InstanceType<typeof MultiHexagonAperture>, number][] = [
    [new MultiHexagonAperture({ rings: 2, flatToFlat: 1.32, gap: 0.007 }), 18],
    [new MultiHexagonAperture({ rings: 1, side: 0.5, gap: 0, center: true }), 7],
    [new MultiHexagonAperture({ segments: [0, 2, 9, 17], side: 0.4, gap: 0.02 }), 4],
  ];
  for (const [o, n] of cases) {
    const s = o.segmentSide;
    const a = area(o, 2048, 2 * o.extent() + 0.1);
    const expected = n * HEX * s * s;
    t.ok(Math.abs(a / expected - 1) < 1e-9, `${n} segments, side ${s.toFixed(4)}, gap ${o.gap}: ${a.toFixed(6)} vs ${expected.toFixed(6)}`);
  }
  const circles = new MultiCircularAperture({ rings: 1, segmentRadius: 0.3, gap: 0.01 });
  const a = area(circles, 2048, 2 * circles.extent() + 0.1);
  t.ok(Math.abs(a / (7 * Math.PI * 0.09) - 1) < 1e-9, `7 circles of radius 0.3: ${a.toFixed(6)}`);
});

t.test('pupil diameters follow POPPY: (2·rings + 1)·(flatToFlat + gap); circles 2r(2·rings + 1) + 2·rings·gap', async (t) => {
  t.equal(new MultiHexagonAperture({ rings: 2, flatToFlat: 1.32, gap: 0.007 }).pupilDiameter(), 5 * 1.327);
  t.ok(Math.abs(new MultiCircularAperture({ rings: 1, segmentRadius: 0.3, gap: 0.01 }).pupilDiameter()! - 1.82) < 1e-15);
  t.equal(new MultiHexagonAperture({ segments: [7], flatToFlat: 1 }).pupilDiameter(), 5 * 1.01, 'a segment list sets the rings');
});

t.test('one segment is the single-segment optic, centred or moved to its place', async (t) => {
  const n = 256;
  const g = grid(n, 3);
  const one = new MultiHexagonAperture({ segments: [0], side: 0.5 }).sample(g, whole(n)).amp;
  const hex = new HexagonAperture({ side: 0.5 }).sample(g, whole(n)).amp;
  t.same(one, hex, 'segment 0 samples exactly as HexagonAperture');
  const spacing = 0.5 * Math.sqrt(3) + 0.01;
  const moved = new MultiHexagonAperture({ segments: [1], side: 0.5 }).sample(g, whole(n)).amp;
  const shifted = new HexagonAperture({ side: 0.5, shiftY: spacing }).sample(g, whole(n)).amp;
  t.ok(
    moved.every((v, i) => Math.abs(v - shifted[i]!) < 1e-12),
    'segment 1 samples as a HexagonAperture shifted by one spacing along +y',
  );
  const circle = new MultiCircularAperture({ segments: [0], segmentRadius: 0.7 }).sample(g, whole(n)).amp;
  t.same(circle, new CircularAperture({ radius: 0.7 }).sample(g, whole(n)).amp, 'a circular segment 0 is CircularAperture');
});

t.test('a segmented PSF: flux conserved, symmetric, JSON round trip', async (t) => {
  const o = new OpticalSystem({ npix: 256 });
  o.addPupil(new MultiHexagonAperture({ rings: 2, flatToFlat: 1.32, gap: 0.007 }));
  o.addDetector({ pixelscale: 0.02, fovPixels: 64 });
  const psf = await o.calcPsf({ wavelength: 2e-6 });
  t.ok(psf.total() > 0.9 && psf.total() < 1, `flux in 1.28″: ${psf.total().toFixed(4)}`);
  const [ny, nx] = psf.shape;
  let asym = 0;
  for (let i = 0; i < ny; i++) for (let j = 0; j < nx; j++) asym = Math.max(asym, Math.abs(psf.data[i * nx + j]! - psf.data[i * nx + (nx - 1 - j)]!));
  t.ok(asym < 1e-12 * psf.peak(), `mirror-symmetric in x (${asym.toExponential(2)})`);
  const optic = new MultiHexagonAperture({ rings: 2, flatToFlat: 1.32, gap: 0.007 }).toJSON();
  t.same(optic, { type: 'MultiHexagonAperture', rings: 2, flatToFlat: 1.32, gap: 0.007 }, 'the optic as JSON');
  const fromJson = loadSystem({
    npix: 256,
    planes: [
      { kind: 'pupil', optics: [optic] },
      { kind: 'detector', pixelscale: 0.02, fovPixels: 64 },
    ],
  });
  const psf2 = await fromJson.calcPsf({ wavelength: 2e-6 });
  t.same(psf2.data, psf.data, 'the JSON system computes the same PSF');
});

t.test('bad segmented apertures name the parameter', async (t) => {
  t.throws(() => new MultiHexagonAperture({ side: 1, flatToFlat: 1 }), { message: /takes side or flatToFlat, not both/ });
  t.throws(() => new MultiHexagonAperture({ segments: [1, 1] }), { message: /segments lists 1 twice/ });
  t.throws(() => new MultiHexagonAperture({ segments: [] }), { message: /segments must be a non-empty array/ });
  t.throws(() => new MultiHexagonAperture({ segments: [1.5] }), { message: /segments\[0\]/ });
  t.throws(() => new MultiHexagonAperture({ rings: -1 }), { message: /rings/ });
  t.throws(() => new MultiHexagonAperture({ rings: 51 }), { message: /rings/ });
  t.throws(() => new MultiHexagonAperture({ gap: -0.1 }), { message: /gap/ });
  t.throws(() => new MultiCircularAperture({ rings: 1 } as never), { message: /segmentRadius/ });
  t.throws(() => new MultiHexagonAperture({ center: 'yes' } as never), { message: /center must be true or false/ });
});

// A pixel that straddles a gap (7 mm here, narrower than a pixel at npix 512)
// carries one segment's OPD on both segments' light: the error shrinks with
// the pixel (1.05e-3 at npix 512, measured), so the test runs at 1024.
t.test('SegmentedWFE: a λ/2 piston on one segment of N sets the on-axis intensity to ((N−2)/N)² (1e-3)', async (t) => {
  const layout = { rings: 2, flatToFlat: 1.32, gap: 0.007 };
  const onAxis = async (piston: number, segment: number) => {
    const o = new OpticalSystem({ npix: 1024 });
    o.addPupil([new MultiHexagonAperture(layout), new SegmentedWFE({ ...layout, segmentWfe: { [segment]: { piston } } })]);
    o.addDetector({ pixelscale: 0.001, fovPixels: 3 });
    const psf = await o.calcPsf({ wavelength: 2e-6, normalize: 'none' });
    return psf.data[4]!; // the middle pixel of 3 × 3 is on the axis
  };
  const flat = await onAxis(0, 1);
  for (const segment of [1, 9, 18]) {
    const ratio = (await onAxis(1e-6, segment)) / flat;
    const expected = ((18 - 2) / 18) ** 2;
    t.ok(Math.abs(ratio - expected) < 1e-3, `segment ${segment}: ${ratio.toFixed(6)} vs ${expected.toFixed(6)}`);
  }
});

t.test('SegmentedWFE: piston at the segment centre, tip and tilt as slopes along x and y; zero elsewhere', async (t) => {
  const n = 512;
  const g = grid(n, 6.8);
  const w = new SegmentedWFE({ rings: 2, flatToFlat: 1.32, gap: 0.007, segmentWfe: { 3: { piston: 1e-7, tip: 2e-7, tilt: -3e-7 } } });
  const opd = w.sample(g, whole(n)).opd!;
  const spacing = 1.327;
  const [xc, yc] = segmentCentre(3, spacing);
  const at = (x: number, y: number) => opd[Math.round(y / g.scale + g.cy) * n + Math.round(x / g.scale + g.cx)]!;
  const px = (v: number, c: number) => (Math.round(v / g.scale + c) - c) * g.scale; // the pixel-centre coordinate nearest v
  const expect = (x: number, y: number) => 1e-7 + 2e-7 * (px(x, g.cx) - xc) - 3e-7 * (px(y, g.cy) - yc);
  for (const [dx, dy] of [
    [0, 0],
    [0.3, 0],
    [0, 0.3],
    [-0.25, 0.2],
  ] as const) {
    t.ok(Math.abs(at(xc + dx, yc + dy) - expect(xc + dx, yc + dy)) < 1e-18, `OPD at offset (${dx}, ${dy}) from the centre`);
  }
  t.equal(at(0, 0), 0, 'another segment has no OPD');
  t.equal(at(3.3, 3.3), 0, 'outside every segment: 0');
});

t.test('SegmentedWFE rejects unknown segments and terms, naming them', async (t) => {
  t.throws(() => new SegmentedWFE({ rings: 1, segmentWfe: { 7: { piston: 1e-7 } } }), { message: /segmentWfe\["7"\]: segment 7 is not in this layout/ });
  t.throws(() => new SegmentedWFE({ rings: 1, segmentWfe: { 1: { pistn: 1e-7 } as never } }), { message: /segmentWfe\["1"\]\.pistn/ });
  t.throws(() => new SegmentedWFE({ rings: 1, segmentWfe: { x: {} } as never }), { message: /keys are segment indices/ });
  t.throws(() => new SegmentedWFE({ rings: 1, segmentWfe: { 1: { tip: Number.NaN } } }), { message: /segmentWfe\["1"\]\.tip/ });
});

// Hexike terms per segment: each segment carries Σ h_k·H_k over its own
// hexagon, and decomposeSegmentedOpd gives them back (1e-9 of the largest
// coefficient on a noise-free OPD), piston, tip and tilt included: a tip of
// slope s is s·R·√(5/24) of H2, as x has mean square 5R²/24 over the hexagon.
const HEX_LAYOUT = { rings: 1, center: true, side: 0.6, gap: 0.02 };

function randomTerms(seed: number, nterms: number) {
  let x = seed;
  const next = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return (x / 2147483648 - 0.5) * 2e-7;
  };
  return Object.fromEntries([0, 1, 2, 3, 4, 5, 6].map((i) => [i, { hexike: Array.from({ length: nterms }, next) }]));
}

t.test('SegmentedWFE hexike terms: each segment is its own hexike sum; decomposeSegmentedOpd returns them (1e-9)', async (t) => {
  const n = 400;
  const width = 3.4;
  const g = grid(n, width);
  const terms = randomTerms(7, 10);
  const w = new SegmentedWFE({ ...HEX_LAYOUT, segmentWfe: terms });
  const opd = w.sample(g, whole(n)).opd!;
  const [xc, yc] = segmentCentre(4, w.spacing);
  const own = composeOpd(terms[4]!.hexike, { shape: [n, n], basis: 'hexike', radius: 0.6 / g.scale, center: [g.cy + yc / g.scale, g.cx + xc / g.scale] });
  const k = Math.round(g.cy + yc / g.scale) * n + Math.round(g.cx + xc / g.scale);
  t.ok(Math.abs(opd[k]! - own[k]!) < 1e-20, 'segment 4 at its centre: its own hexike sum');
  const fit = decomposeSegmentedOpd(opd, { shape: [n, n], pixelscale: g.scale, layout: w, nterms: 10 });
  const worst = Math.max(...Object.entries(terms).flatMap(([i, v]) => v.hexike.map((h, j) => Math.abs(fit[i]![j]! - h))));
  t.ok(worst < 1e-9 * 1e-7, `largest error ${worst.toExponential(2)} m of coefficients up to 1e-7 m`);
  t.same(Object.keys(fit), ['0', '1', '2', '3', '4', '5', '6'], 'every segment of the layout');
});

t.test('piston, tip and tilt decompose into H1, H2 and H3 over the segment (1e-9)', async (t) => {
  const n = 400;
  const g = grid(n, 3.4);
  const w = new SegmentedWFE({ ...HEX_LAYOUT, segmentWfe: { 2: { piston: 5e-8, tip: 2e-7, tilt: -1e-7, hexike: [0, 0, 0, 3e-8] } } });
  const fit = decomposeSegmentedOpd(w.sample(g, whole(n)).opd!, { shape: [n, n], pixelscale: g.scale, layout: w, nterms: 4 })['2']!;
  const slope = 0.6 * Math.sqrt(5 / 24);
  const expected = [5e-8, 2e-7 * slope, -1e-7 * slope, 3e-8];
  t.ok(
    fit.every((c, j) => Math.abs(c - expected[j]!) < 1e-9 * 2e-7),
    `fit ${fit.map((c) => c.toExponential(4)).join(', ')}`,
  );
});

t.test('a turned and shifted SegmentedWFE carries its hexikes with its segments', async (t) => {
  const n = 400;
  const g = grid(n, 4);
  const terms = randomTerms(3, 6);
  const plain = new SegmentedWFE({ ...HEX_LAYOUT, segmentWfe: terms }).sample(g, whole(n)).opd!;
  const moved = new SegmentedWFE({ ...HEX_LAYOUT, segmentWfe: terms, rotation: 90, shiftX: 0.2, shiftY: -0.1 }).sample(g, whole(n)).opd!;
  // Pixel (i, j) at (x, y) turned by 90° is at (−y, x): pixel (j, 2c − i); the shift (0.2, −0.1) m is (+20, −10) pixels.
  for (const [i, j] of [
    [205, 210],
    [300, 260],
    [160, 110],
    [170, 310],
  ] as const) {
    const want = plain[i * n + j]!;
    const got = moved[(j - 10) * n + (2 * g.cx - i + 20)]!;
    t.ok(want !== 0 && Math.abs(got - want) < 1e-12 * 1e-7, `pixel (${i}, ${j}) of the unturned optic: ${got.toExponential(6)} vs ${want.toExponential(6)}`);
  }
  t.throws(
    () =>
      decomposeSegmentedOpd(moved, {
        shape: [n, n],
        pixelscale: g.scale,
        layout: new SegmentedWFE({ ...HEX_LAYOUT, segmentWfe: terms, rotation: 90 }),
        nterms: 3,
      }),
    {
      message: /options\.layout is rotated \(90°\)/,
    },
  );
});

t.test('bad hexike terms and decompositions name the argument', async (t) => {
  t.throws(() => new SegmentedWFE({ ...HEX_LAYOUT, segmentWfe: { 1: { hexike: new Array(56).fill(0) } } }), {
    message: /segmentWfe\["1"\]\.hexike: at most 55 hexike terms, got 56/,
  });
  t.throws(() => new SegmentedWFE({ ...HEX_LAYOUT, segmentWfe: { 1: { hexike: [0, Number.NaN] } } }), {
    message: /segmentWfe\["1"\]\.hexike\[1\] must be finite/,
  });
  t.throws(() => new HexSegmentedDeformableMirror({ ...HEX_LAYOUT, surface: { 1: { hexike: [1e-8] } as never } }), { message: /surface\["1"\]\.hexike/ });
  const opd = new Float64Array(16);
  t.throws(() => decomposeSegmentedOpd(opd, { shape: [4, 4], pixelscale: 1, layout: new CircularAperture({ radius: 1 }), nterms: 3 }), {
    message: /options\.layout must be a MultiHexagonAperture, SegmentedWFE or HexSegmentedDeformableMirror, got "CircularAperture"/,
  });
  t.throws(() => decomposeSegmentedOpd(opd, { shape: [4, 5], pixelscale: 1, layout: new MultiHexagonAperture(HEX_LAYOUT), nterms: 3 }), {
    message: /opd must be a Float64Array of 20 elements/,
  });
  t.throws(() => decomposeSegmentedOpd(opd, { shape: [4, 4], pixelscale: -1, layout: new MultiHexagonAperture(HEX_LAYOUT), nterms: 3 }), {
    message: /options\.pixelscale must be greater than 0/,
  });
});

// Every optic of the catalogue, sampled on a grid, against the geometry or
// formula that defines it. Areas from anti-aliased edges converge as 1/n of
// the pixel count across the edge; at the sizes below they are within 1e-4
// of the analytic area.
import t from 'tap';
import {
  AnnularFieldStop,
  ArrayOptic,
  BandLimitedCoronagraph,
  BarOcculter,
  CircularAperture,
  CircularOcculter,
  CompoundOptic,
  HexagonAperture,
  IdealFQPM,
  NgonAperture,
  OPTIC_TYPES,
  type Optic,
  RectangleAperture,
  ScalarTransmission,
  SecondaryObscuration,
  SquareAperture,
  SquareFieldStop,
  ThinLens,
  ZernikeWFE,
  besselJ1,
  opticFromJson,
  opticsReference,
  opticSummary,
} from '../lib/index';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { area, grid, whole } from './helpers/sampling';

const close = (a: number, b: number, rel: number) => Math.abs(a / b - 1) < rel;

// Edge pixels hold their exact area inside (circles and polygons alike), so the sum is the area to rounding.
t.test('apertures transmit their analytic area (1e-9)', async (t) => {
  const n = 1024;
  const cases: [Optic, number, number][] = [
    [new CircularAperture({ radius: 1 }), Math.PI, 2.2],
    [new SquareAperture({ size: 1.5, rotation: 30 }), 2.25, 2.2],
    [new RectangleAperture({ width: 1.6, height: 0.7 }), 1.12, 2.2],
    [new HexagonAperture({ side: 1 }), ((3 * Math.sqrt(3)) / 2) * 1, 2.2],
    [new HexagonAperture({ flatToFlat: Math.sqrt(3) }), ((3 * Math.sqrt(3)) / 2) * 1, 2.2],
    [new NgonAperture({ nsides: 7, radius: 1 }), (7 / 2) * Math.sin((2 * Math.PI) / 7), 2.2],
  ];
  for (const [o, expected, width] of cases) {
    const a = area(o, n, width);
    t.ok(close(a, expected, 1e-9), `${o.type}${o.rotation ? ` rotated ${o.rotation}°` : ''}: area ${a.toFixed(6)} vs ${expected.toFixed(6)}`);
  }
});

t.test('obscurations and compound optics block what they cover', async (t) => {
  const n = 1024;
  const open = new CircularAperture({ radius: 1 });
  const ring = new CompoundOptic({ optics: [open, new SecondaryObscuration({ secondaryRadius: 0.3, nSupports: 0 })] });
  t.ok(close(area(ring, n, 2.2), Math.PI * (1 - 0.09), 1e-4), 'CompoundOptic of an aperture and a SecondaryObscuration: π(R² − r²)');
  // Three struts of width w from r = 0.3 to R = 1 (the part outside the central disk).
  const w = 0.02;
  const spiders = new CompoundOptic({ optics: [open, new SecondaryObscuration({ secondaryRadius: 0.3, nSupports: 3, supportWidth: w })] });
  const expected = Math.PI * (1 - 0.09) - 3 * w * 0.7;
  t.ok(
    close(area(spiders, n, 2.2), expected, 2e-3),
    `three spiders remove 3·w·(R − r) (${area(spiders, n, 2.2).toFixed(5)} vs ${expected.toFixed(5)}; strut ends are not square)`,
  );
  const g = grid(64, 2.2);
  const a = new CompoundOptic({ optics: [open, new ScalarTransmission({ transmission: 0.5 })] }).sample(g, whole(64)).amp;
  const b = open.sample(g, whole(64)).amp;
  t.ok(
    a.every((v, i) => v === 0.5 * b[i]!),
    'ScalarTransmission multiplies every pixel; CompoundOptic multiplies its members',
  );
  t.equal(new ScalarTransmission({ transmission: 0.5 }).outside(), 0.5, 'ScalarTransmission holds outside any window too');
});

t.test('image-plane stops and occulters (arcsec)', async (t) => {
  const n = 1024;
  const w = 2;
  const occ = new CircularOcculter({ radius: 0.4 });
  t.ok(close(w * w - area(occ, n, w), Math.PI * 0.16, 1e-4), 'CircularOcculter blocks πr²');
  t.ok(close(area(new AnnularFieldStop({ radiusInner: 0.2, radiusOuter: 0.8 }), n, w), Math.PI * (0.64 - 0.04), 1e-4), 'AnnularFieldStop passes π(ro² − ri²)');
  // Straight edges along the grid: 12×12 supersampling quantises an edge pixel's coverage to 1/12, up to 1/24 of a
  // pixel of width along every edge (2.5e-4 of these areas); hence 1e-3 for them.
  t.ok(close(area(new SquareFieldStop({ size: 1.2 }), n, w), 1.44, 1e-3), 'SquareFieldStop passes size²');
  t.ok(close(w * w - area(new BarOcculter({ width: 0.1 }), n, w), 0.1 * w, 1e-3), 'BarOcculter blocks width × field height');
  t.ok(close(w * w - area(new BarOcculter({ width: 0.1, angle: 90 }), n, w), 0.1 * w, 1e-3), 'a bar at 90° blocks the same area across x');
  const g = grid(65, 1.3);
  const c = Math.floor(65 / 2);
  t.equal(occ.sample(g, whole(65)).amp[c * 65 + c], 0, 'the occulter is dark at the centre');
});

t.test('phase and amplitude masks follow their formulas', async (t) => {
  const n = 64;
  const g = grid(n, 1.28);
  const fqpm = new IdealFQPM({ wavelength: 2e-6 }).sample(g, whole(n));
  let half = 0;
  let wrong = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = (j - g.cx) * g.scale;
      const y = (i - g.cy) * g.scale;
      const v = fqpm.opd![i * n + j]!;
      if (v !== (x * y > 0 ? 1e-6 : 0)) wrong++;
      if (v > 0) half++;
    }
  }
  t.equal(wrong, 0, 'IdealFQPM: OPD λ/2 where x·y > 0, 0 elsewhere');
  t.equal(half, (n * n) / 2, 'on exactly half the plane');
  const sigma = 5;
  const lin = new BandLimitedCoronagraph({ kind: 'linear', sigma }).sample(g, whole(n)).amp;
  const circ = new BandLimitedCoronagraph({ kind: 'circular', sigma }).sample(g, whole(n)).amp;
  let errL = 0;
  let errC = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = (j - g.cx) * g.scale;
      const r = Math.hypot(x, (i - g.cy) * g.scale);
      errL = Math.max(errL, Math.abs(lin[i * n + j]! - (1 - (Math.sin(sigma * x) / (sigma * x)) ** 2)));
      errC = Math.max(errC, Math.abs(circ[i * n + j]! - (1 - ((2 * besselJ1(sigma * r)) / (sigma * r)) ** 2)));
    }
  }
  t.ok(errL < 1e-12, `BandLimitedCoronagraph linear: 1 − sinc²(σx) (max error ${errL.toExponential(1)})`);
  t.ok(errC < 1e-12, `BandLimitedCoronagraph circular: 1 − [2J1(σr)/(σr)]² (max error ${errC.toExponential(1)})`);
});

t.test('ThinLens: OPD nwaves·λ·(2ρ² − 1)/2, peak to valley nwaves·λ', async (t) => {
  const n = 257; // odd: a pixel on the axis
  const g = grid(n, 2.2);
  const opd = new ThinLens({ nwaves: 2, referenceWavelength: 1e-6, radius: 1 }).sample(g, whole(n)).opd!;
  const c = (n - 1) / 2;
  t.ok(Math.abs(opd[c * n + c]! + 1e-6) < 1e-18, 'centre: −nwaves·λ/2');
  t.equal(opd[c * n]!, 0, 'zero beyond the radius');
  let rms = 0;
  let cnt = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      if (Math.hypot(i - c, j - c) * g.scale >= 1) continue;
      rms += opd[i * n + j]! ** 2;
      cnt++;
    }
  // Defocus (2ρ² − 1)·a has RMS a/√3 over the disk.
  t.ok(close(Math.sqrt(rms / cnt), 1e-6 / Math.sqrt(3), 1e-3), 'RMS nwaves·λ/(2√3)');
});

t.test('ZernikeWFE terms have RMS equal to their coefficient (1e-3) over the disk', async (t) => {
  const n = 1024;
  const R = 1;
  for (let j = 1; j <= 15; j++) {
    const coeffs = new Array(j).fill(0);
    coeffs[j - 1] = 1e-7;
    const opd = new ZernikeWFE({ radius: R, coefficients: coeffs }).sample(grid(n, 2 * R), whole(n)).opd!;
    let s2 = 0;
    let cnt = 0;
    for (let i = 0; i < n; i++)
      for (let k = 0; k < n; k++) {
        if (Math.hypot(i - (n - 1) / 2, k - (n - 1) / 2) * ((2 * R) / n) > R) continue;
        s2 += opd[i * n + k]! ** 2;
        cnt++;
      }
    t.ok(Math.abs(Math.sqrt(s2 / cnt) / 1e-7 - 1) < 1e-3, `Z${j}: RMS ${(Math.sqrt(s2 / cnt) * 1e9).toFixed(4)} nm for 100 nm`);
  }
});

t.test('ArrayOptic resamples bilinearly: samples pass through, midpoints average', async (t) => {
  const a = new ArrayOptic({
    transmission: [
      [0, 1],
      [2, 3],
    ],
    pixelscale: 1,
  });
  const same = a.sample({ ny: 2, nx: 2, cy: 0.5, cx: 0.5, scale: 1 }, whole(2)).amp;
  t.same([...same], [0, 1, 2, 3], 'on its own grid the array passes through');
  const mid = a.sample({ ny: 1, nx: 1, cy: 0, cx: 0, scale: 0.5 }, whole(1)).amp[0];
  t.equal(mid, 1.5, 'the centre of four samples is their mean');
  const off = a.sample({ ny: 1, nx: 1, cy: 0, cx: 10, scale: 1 }, whole(1)).amp[0];
  t.equal(off, 0, 'zero beyond the array');
});

t.test('every optic type is declared once: JSON, classes and validation agree', async (t) => {
  const names = Object.keys(OPTIC_TYPES).sort();
  t.same(
    names,
    [
      'AnnularFieldStop',
      'ArrayOptic',
      'AsymmetricSecondaryObscuration',
      'BandLimitedCoronagraph',
      'BarOcculter',
      'CircularAperture',
      'CircularOcculter',
      'CircularPhaseMask',
      'CompoundOptic',
      'ContinuousDeformableMirror',
      'FitsOptic',
      'GaussianAperture',
      'HexSegmentedDeformableMirror',
      'HexagonAperture',
      'HexagonFieldStop',
      'HexikeWFE',
      'IdealFQPM',
      'InverseTransmission',
      'KnifeEdge',
      'KolmogorovWFE',
      'MultiCircularAperture',
      'MultiHexagonAperture',
      'NgonAperture',
      'ParameterizedWFE',
      'PowerSpectrumWFE',
      'RectangleAperture',
      'RectangularFieldStop',
      'ScalarOpticalPathDifference',
      'ScalarTransmission',
      'SecondaryObscuration',
      'SegmentedWFE',
      'SineWaveWFE',
      'SquareAperture',
      'SquareFieldStop',
      'StatisticalPSDWFE',
      'ThinLens',
      'TipTilt',
      'VortexCoronagraph',
      'ZernikeWFE',
    ],
    'the catalogue',
  );
  t.equal(Object.getPrototypeOf(OPTIC_TYPES), null, 'no inherited keys');
  for (const bad of ['toString', '__proto__', 'constructor']) {
    t.throws(
      () => opticFromJson({ type: bad }, 'o'),
      { name: 'RangeError', message: new RegExp(`o\\.type: unknown optic type "${bad}"`) },
      `type ${bad} is unknown`,
    );
  }
  const json = {
    type: 'CompoundOptic',
    optics: [
      { type: 'CircularAperture', radius: 1, shiftX: 0.1 },
      { type: 'HexagonAperture', side: 0.5 },
    ],
  };
  const o = opticFromJson(json, 'o');
  t.same(o.toJSON(), json, 'a JSON optic round-trips');
  t.throws(() => new CircularAperture({ radius: 1, radious: 2 } as never), {
    message: /CircularAperture\.radious is not a parameter of this optic \(known: radius, grayPixel, shiftX, shiftY, rotation, name\)/,
  });
  t.throws(() => new HexagonAperture({}), { message: /needs exactly one of side or flatToFlat/ });
  t.throws(() => new CompoundOptic({ optics: [new CircularAperture({ radius: 1 })], shiftX: 1 } as never), {
    message: /CompoundOptic\.shiftX is not a parameter/,
  });
});

t.test('docs/optics.md is the reference the definitions write', async (t) => {
  const file = fs.readFileSync(path.join(__dirname, '..', 'docs', 'optics.md'), 'utf8');
  t.equal(file, `${opticsReference()}\n`, 'up to date (regenerate with npm run docs:optics)');
});

t.test("each optic class's TSDoc is its definition's summary", async (t) => {
  const dir = path.join(__dirname, '..', 'lib', 'optics');
  const found = new Map<string, string>();
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
    const src = fs.readFileSync(path.join(dir, f), 'utf8');
    // A defined optic, or a subclass that adds methods (registered in its place).
    for (const m of src.matchAll(/\/\*\*\n((?: \*.*\n)+) \*\/\nexport (?:const (\w+) = defineOptic\(|class (\w+) extends )/g)) {
      found.set(
        (m[2] ?? m[3])!,
        m[1]!
          .split('\n')
          .map((l) => l.replace(/^ \* ?/, ''))
          .join(' ')
          .trim(),
      );
    }
  }
  for (const type of Object.keys(OPTIC_TYPES)) t.equal(found.get(type), opticSummary(type), type);
});

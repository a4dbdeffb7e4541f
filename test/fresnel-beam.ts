// Gaussian-beam bookkeeping of Fresnel propagation (lib/fresnel/beam.ts)
// against the analytic Gaussian beam (the complex beam parameter q through
// free space and thin lenses) and against POPPY's FresnelWavefront on the
// same systems (test/poppy/fresnel_beam.py → reference/fresnel-beam.json).
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type BeamOperation, GaussianBeam } from '../lib/fresnel/beam';

interface Complex {
  re: number;
  im: number;
}
const inv = (a: Complex): Complex => {
  const d = a.re ** 2 + a.im ** 2;
  return { re: a.re / d, im: -a.im / d };
};

/** The analytic beam: q = (z − z_w) + i z_R, a thin lens 1/q' = 1/q − 1/f. */
class QBeam {
  q: Complex;
  constructor(
    readonly lambda: number,
    w0: number,
  ) {
    this.q = { re: 0, im: (Math.PI * w0 ** 2) / lambda };
  }
  propagate(d: number): void {
    this.q = { re: this.q.re + d, im: this.q.im };
  }
  lens(f: number): void {
    const iq = inv(this.q);
    this.q = inv({ re: iq.re - 1 / f, im: iq.im });
  }
  /** Waist radius and the distance from here to the waist. */
  waist(): { w0: number; ahead: number } {
    return { w0: Math.sqrt((this.q.im * this.lambda) / Math.PI), ahead: -this.q.re };
  }
  spot(): number {
    const iq = inv(this.q);
    return Math.sqrt(-this.lambda / (Math.PI * iq.im));
  }
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

t.test('free space: spot radius, curvature, Rayleigh distance and divergence of a waist', async (t) => {
  const lambda = 1e-6;
  const w0 = 1e-3;
  const beam = new GaussianBeam({ radius: w0, wavelength: lambda, npix: 128 });
  const zr = (Math.PI * w0 ** 2) / lambda;
  t.ok(rel(beam.rayleigh, zr) < 1e-15, `z_R = π w0²/λ = ${zr.toFixed(4)} m`);
  t.ok(rel(beam.divergence, lambda / (Math.PI * w0)) < 1e-15, 'divergence λ/(π w0)');
  t.ok(rel(beam.spotRadius(zr), w0 * Math.SQRT2) < 1e-15, 'w(z_R) = √2 w0: the area doubles at the Rayleigh distance');
  t.ok(rel(beam.curvature(zr), 2 * zr) < 1e-15, 'R(z_R) = 2 z_R, its minimum');
  t.equal(beam.curvature(0), Number.POSITIVE_INFINITY, 'flat at the waist');
  const q = new QBeam(lambda, w0);
  for (const z of [0.1 * zr, zr, 7 * zr, 300 * zr]) {
    const b = new QBeam(lambda, w0);
    b.propagate(z);
    t.ok(rel(beam.spotRadius(z), b.spot()) < 1e-12, `w(${(z / zr).toFixed(1)} z_R) agrees with the q parameter`);
  }
  t.ok(q.spot() > 0);
});

t.test('thin lenses: new waist and its position agree with the q parameter (1e-10)', async (t) => {
  const lambda = 0.8e-6;
  const w0 = 5e-3;
  for (const f of [0.5, 2, -1.5, 40]) {
    // A lens at the waist (POPPY neglects the incident curvature there, which is exact at the waist).
    const beam = new GaussianBeam({ radius: w0, wavelength: lambda, npix: 64 });
    beam.lens(f);
    const q = new QBeam(lambda, w0);
    q.lens(f);
    const s = beam.state();
    t.ok(rel(s.waist, q.waist().w0) < 1e-10, `f = ${f} at the waist: w0' ${s.waist.toExponential(4)}`);
    t.ok(rel(s.waistZ, q.waist().ahead) < 1e-10, `f = ${f} at the waist: waist at ${s.waistZ.toFixed(6)} m`);
  }
  // A second lens far from the first lens's focus (more than 2 z_R): the incident curvature counts.
  const beam = new GaussianBeam({ radius: w0, wavelength: lambda, npix: 64 });
  const q = new QBeam(lambda, w0);
  beam.lens(1);
  q.lens(1);
  beam.propagate(3);
  q.propagate(3);
  beam.lens(0.25);
  q.lens(0.25);
  const s = beam.state();
  t.ok(rel(s.waist, q.waist().w0) < 1e-10, `second lens: w0' ${s.waist.toExponential(4)} m`);
  t.ok(rel(s.waistZ - s.z, q.waist().ahead) < 1e-10, `second lens: waist ${(s.waistZ - s.z).toFixed(6)} m ahead`);
  t.same(
    beam.waists.map(([z]) => Number(z.toFixed(6))),
    [0, Number((1 / (1 + ((lambda * 1) / (Math.PI * w0 ** 2)) ** 2)).toFixed(6)), Number(s.waistZ.toFixed(6))],
    'every waist is listed in order',
  );
});

t.test('the regime of each distance: plane-to-plane inside z_R, through the waist outside it', async (t) => {
  const beam = new GaussianBeam({ radius: 0.01, wavelength: 1e-6, npix: 100, oversample: 2 });
  const zr = beam.rayleigh;
  t.same(beam.propagate(0.5 * zr), [{ kind: 'planeToPlane', dz: 0.5 * zr }], 'inside: one plane-to-plane step, sampling kept');
  const ops = beam.propagate(2 * zr);
  t.equal(ops.length, 2);
  t.match(ops[0], { kind: 'planeToPlane' }, 'back to the waist first');
  t.ok(rel((ops[0] as { dz: number }).dz, -0.5 * zr) < 1e-12);
  const wts = ops[1] as Extract<BeamOperation, { kind: 'waistToSpherical' }>;
  t.equal(wts.kind, 'waistToSpherical');
  t.ok(rel(wts.pixel, (1e-6 * 2.5 * zr) / (200 * 2e-4)) < 1e-12, 'pixel becomes λ|dz| / (N dx)');
  t.ok(beam.state().spherical, 'the array now holds a spherical wave');
  t.same(beam.propagate(0), [], 'a zero distance does nothing');
  t.throws(() => beam.propagate(Number.NaN), /distance must be a number|distance must be finite/);
  t.throws(() => beam.lens(0), /focalLength must not be 0/);
  t.throws(() => new GaussianBeam({ radius: -1, wavelength: 1e-6, npix: 64 }), /radius must be greater than 0, got -1/);
  t.throws(() => new GaussianBeam({ radius: 1, wavelength: 1e-6, npix: 64, beamRatio: 0.5 } as never), /GaussianBeam: beamRatio is not an option/);
});

interface RefPlane {
  name: string;
  operations: { kind: string; dz: number }[];
  z: number;
  waist: number;
  waistZ: number;
  spherical: boolean;
  pixel: number;
  focalLength: number | null;
}
interface RefSystem {
  radius: number;
  npix: number;
  oversample: number;
  planes: { name: string; distance: number; focalLength: number | null }[];
  runs: { wavelength: number; planes: RefPlane[] }[];
}

t.test("POPPY's FresnelWavefront on the Hubble-like example, extra planes and a relay: operations and beam at every plane (1e-9)", async (t) => {
  const ref = JSON.parse(fs.readFileSync(path.join(__dirname, 'poppy', 'reference', 'fresnel-beam.json'), 'utf8')) as { systems: Record<string, RefSystem> };
  for (const [name, sys] of Object.entries(ref.systems)) {
    for (const run of sys.runs) {
      const beam = new GaussianBeam({ radius: sys.radius, wavelength: run.wavelength, npix: sys.npix, oversample: sys.oversample });
      sys.planes.forEach((p, i) => {
        const want = run.planes[i]!;
        const label = `${name} λ=${run.wavelength * 1e6} µm, ${p.name}`;
        const ops = [...beam.propagate(p.distance), ...(p.focalLength === null ? [] : beam.lens(p.focalLength))].filter((o) => o.kind !== 'lensPhase');
        t.same(
          ops.map((o) => o.kind),
          want.operations.map((o) => o.kind),
          `${label}: ${want.operations.map((o) => o.kind).join(', ') || 'no propagation'}`,
        );
        // POPPY's history prints dz to three significant digits.
        for (const [k, o] of ops.entries()) t.ok(rel((o as { dz: number }).dz, want.operations[k]!.dz) < 6e-3, `${label}: dz of step ${k}`);
        const s = beam.state();
        const worst = Math.max(rel(s.z + 1, want.z + 1), rel(s.waist, want.waist), rel(s.waistZ + 1, want.waistZ + 1), rel(s.pixel, want.pixel));
        t.ok(worst < 1e-9, `${label}: z, waist, waist position, pixel (${worst.toExponential(1)})`);
        t.equal(s.spherical, want.spherical, `${label}: ${want.spherical ? 'spherical' : 'planar'}`);
        if (want.focalLength === null) t.equal(s.focalLength, Number.POSITIVE_INFINITY);
        else t.ok(rel(s.focalLength, want.focalLength) < 1e-9, `${label}: focal length ${want.focalLength.toPrecision(6)} m`);
      });
    }
  }
});

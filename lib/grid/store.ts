/**
 * Where grid results live: one PSF per point, named by its key, plus the
 * grid's plan. Behind a small interface so that a store other than a shared
 * directory (an object store) can take its place; every write is whole or
 * absent, so a reader never sees half a result.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AiryError } from '../errors';
import { writeOutputs } from '../io/files';
import { type Psf, readFits } from '../io/psf';
import type { ResolvedGrid } from './spec';

/** Temporary files older than this (ms) are from killed writers. */
const STALE_WRITE_MS = 10 * 60_000;

/** Storage of a grid's plan and its points' PSFs. */
export interface ResultStore {
  /** Where the store is (a directory path), as workers are told. */
  readonly location: string;
  /** Whether the point's PSF is stored. */
  has(key: string): boolean;
  /** Stores a point's PSF, atomically. */
  put(key: string, psf: Psf): Promise<void>;
  /** A stored point's PSF. */
  get(key: string): Psf;
  /** Stores the grid's plan, atomically. */
  putPlan(plan: ResolvedGrid): Promise<void>;
  /** The stored plan. */
  getPlan(): ResolvedGrid;
}

/** A directory (local or shared, e.g. NFS): `plan.json` and `points/<key>.fits`. */
export class DirectoryStore implements ResultStore {
  readonly location: string;
  constructor(dir: string) {
    this.location = path.resolve(dir);
  }

  /**
   * Makes the directory and its `points/` folder if they are missing, and
   * removes the temporary files of writes that a killed process left there
   * (a point's file is written in well under this age, so none is in use).
   */
  create(): this {
    try {
      fs.mkdirSync(this.pointsDir(), { recursive: true });
    } catch (e) {
      throw new AiryError(`cannot make the grid directory ${this.location}: ${(e as Error).message}`, 'ERR_AIRY_WRITE', { cause: e });
    }
    this.sweep();
    return this;
  }

  private sweep(): void {
    const before = Date.now() - STALE_WRITE_MS;
    for (const f of fs.readdirSync(this.pointsDir())) {
      if (!/^\..*\.tmp$/.test(f)) continue;
      const file = path.join(this.pointsDir(), f);
      try {
        if (fs.statSync(file).mtimeMs < before) fs.unlinkSync(file);
      } catch {
        /* gone already */
      }
    }
  }

  /** When the plan was last written (ms since the epoch); 0 when there is none. */
  planTime(): number {
    try {
      return fs.statSync(this.planFile()).mtimeMs;
    } catch {
      return 0;
    }
  }

  pointFile(key: string): string {
    return path.join(this.pointsDir(), `${key}.fits`);
  }

  has(key: string): boolean {
    return fs.existsSync(this.pointFile(key));
  }

  async put(key: string, psf: Psf): Promise<void> {
    await writeOutputs([{ file: this.pointFile(key), what: 'grid point', code: 'ERR_AIRY_FITS', write: (s) => psf.writeFits(s) }]);
  }

  get(key: string): Psf {
    return readFits(this.pointFile(key));
  }

  async putPlan(plan: ResolvedGrid): Promise<void> {
    const text = `${JSON.stringify(plan)}\n`;
    await writeOutputs([{ file: this.planFile(), what: 'grid plan', code: 'ERR_AIRY_WRITE', write: (s) => fs.writeFileSync(s, text) }]);
  }

  getPlan(): ResolvedGrid {
    let text: string;
    try {
      text = fs.readFileSync(this.planFile(), 'utf8');
    } catch (e) {
      throw new AiryError(`no grid plan in ${this.location}: ${(e as Error).message}`, 'ERR_AIRY_GRID', { cause: e });
    }
    return JSON.parse(text) as ResolvedGrid;
  }

  private planFile(): string {
    return path.join(this.location, 'plan.json');
  }

  private pointsDir(): string {
    return path.join(this.location, 'points');
  }
}

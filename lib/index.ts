/**
 * airy: physical-optics PSF engine for Node.js.
 * @packageDocumentation
 */
export { AiryError, UnsafeParallelismError } from './errors';
export { config, CONFIG_KEYS } from './config';
export type { ConfigValues, ConfigKey, ConfigSource, FftwPlanner, Precision, ParallelMode, StartMethod } from './config';
export { resolveParallel } from './config';
export { blasInfo, cpuInfo, setBlasThreads, getBlasThreads, blasWarnings, suggestedCoretype, cpuLevel } from './blas';
export type { BlasInfo, BlasVendor, CpuInfo } from './blas';
export { fftwInfo, loadWisdom, saveWisdom, forgetWisdom, hasWisdom } from './fftw';
export type { FftwInfo } from './fftw';
export { fft2, fft2Sync, mft, mftSync, mftCacheStats } from './kernels';
export type { Complex2D, Plane, Fft2Options, MftOptions, Centering } from './kernels';
export type { FloatArray } from './binding';
export { version } from './version';
export { cfitsioVersion } from './fits';
export { OpticalSystem } from './system';
export type { OpticalSystemOptions, DetectorOptions, CalcPsfOptions, Source, Progress, Normalize, Plane as SystemPlane } from './system';
export { Psf, readFits, binImage } from './psf';
export type { PsfImage, PsfTiming, IntermediatePlane } from './psf';
export { readFitsImage, writeFitsImages, verifyFitsChecksums } from './fits';
export type { FitsHeader, FitsImage, FitsHdu } from './fits';
export { loadSystem, opticFromJson } from './load';
export {
  Optic, CircularAperture, SquareAperture, RectangleAperture, HexagonAperture, NgonAperture, SecondaryObscuration,
  CompoundOptic, ScalarTransmission, ThinLens, ZernikeWFE, CircularOcculter, AnnularFieldStop, SquareFieldStop,
  BarOcculter, IdealFQPM, BandLimitedCoronagraph, FitsOptic, ArrayOptic, OPTIC_TYPES, zernike, nollToNM, besselJ0, besselJ1,
} from './optics';
export type { Grid, Rect, PlaneKind, OpdUnits } from './optics';
export { checkParallelSafety, detectFacts, estimateOptimalNProcesses, memoryModel, availableMemory, PROCESS_BASELINE_BYTES } from './parallel';
export type { ParallelFacts, SafetyVerdict, WorkloadShape, MemoryModel, EstimateOptions } from './parallel';
export { shutdownPool, poolPids } from './pool';
export type { PsfParallel } from './psf';

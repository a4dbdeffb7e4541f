/**
 * airy: physical-optics PSF engine for Node.js.
 * @packageDocumentation
 */
export { AiryError, UnsafeParallelismError } from './errors';
export { config, CONFIG_KEYS } from './config';
export type { ConfigValues, ConfigKey, ConfigSource, FftwPlanner, Precision, ParallelMode, StartMethod } from './config';
export { resolveParallel } from './config';
export { blasInfo, cpuInfo, setBlasThreads, getBlasThreads, blasWarnings, suggestedCoretype, cpuLevel } from './engine/blas';
export type { BlasInfo, BlasVendor, CpuInfo } from './engine/blas';
export { fftwInfo, loadWisdom, saveWisdom, forgetWisdom, hasWisdom } from './engine/fftw';
export type { FftwInfo } from './engine/fftw';
export { fft2, fft2Sync, mft, mftSync, mftCacheStats } from './engine/kernels';
export type { Complex2D, Plane, Fft2Options, MftOptions, Centering } from './engine/kernels';
export type { FloatArray } from './binding';
export { version } from './version';
export { cfitsioVersion } from './io/fits';
export { DEFAULT_ANALYTIC_SAMPLING, DEFAULT_MASK_SAMPLING, OpticalSystem } from './engine/system';
export type {
  OpticalSystemOptions,
  DetectorOptions,
  CalcPsfOptions,
  Progress,
  Normalize,
  Plane as SystemPlane,
  MaskModel,
  Propagation,
  ImagePlaneMethod,
  ImagePlaneOptions,
} from './engine/system';
export type { Source, SpectralSource, WeightedSource } from './engine/source';
export { sourceFromSpectrum, planck } from './engine/spectrum';
export type { Spectrum, Bandpass } from './engine/spectrum';
export { Datacube } from './io/datacube';
export { Psf, readFits, binImage } from './io/psf';
export type { PsfImage, PsfTiming, IntermediatePlane, DetectorEffects } from './io/psf';
export { readFitsImage, readFitsCube, writeFitsImages, writeFitsImagesAsync, verifyFitsChecksums } from './io/fits';
export type { FitsHeader, FitsImage, FitsCube, FitsHdu } from './io/fits';
export { loadSystem } from './io/load';
export { GaussianBeam } from './fresnel/beam';
export { FresnelOpticalSystem } from './fresnel/system';
export { ConicLens, QuadraticLens } from './fresnel/lenses';
export { loadFresnelSystem } from './fresnel/load';
export type {
  FresnelSystemOptions,
  FresnelDetectorOptions,
  FresnelCalcOptions,
  FresnelPlane,
  FresnelPlaneOptions,
  FresnelLens,
  FresnelIntermediate,
  MftSampling,
} from './fresnel/system';
export type { ConicLensOptions } from './fresnel/lenses';
export type { BeamOperation, BeamState, GaussianBeamOptions } from './fresnel/beam';
export {
  Optic,
  CircularAperture,
  SquareAperture,
  RectangleAperture,
  HexagonAperture,
  NgonAperture,
  SecondaryObscuration,
  MultiHexagonAperture,
  MultiCircularAperture,
  SegmentedWFE,
  GaussianAperture,
  AsymmetricSecondaryObscuration,
  RectangularFieldStop,
  HexagonFieldStop,
  KnifeEdge,
  CircularPhaseMask,
  ScalarOpticalPathDifference,
  TipTilt,
  InverseTransmission,
  HexikeWFE,
  ParameterizedWFE,
  SineWaveWFE,
  StatisticalPSDWFE,
  PowerSpectrumWFE,
  KolmogorovWFE,
  turbulencePsd,
  ContinuousDeformableMirror,
  HexSegmentedDeformableMirror,
  hexikeCoefficients,
  hexikeToZernike,
  MAX_HEXIKE_TERMS,
  composeOpd,
  randomScreen,
  powerSpectrum,
  decomposeOpd,
  decomposeSegmentedOpd,
  segmentCentre,
  segmentIndices,
  CompoundOptic,
  ScalarTransmission,
  ThinLens,
  ZernikeWFE,
  CircularOcculter,
  AnnularFieldStop,
  SquareFieldStop,
  BarOcculter,
  IdealFQPM,
  BandLimitedCoronagraph,
  VortexCoronagraph,
  FitsOptic,
  ArrayOptic,
  OPTIC_TYPES,
  opticFromJson,
  opticTypes,
  defineOptic,
  zernike,
  nollToNM,
  besselJ0,
  besselJ1,
  opticsReference,
  opticSummary,
} from './optics';
export type {
  Grid,
  Rect,
  PlaneKind,
  OpdUnits,
  OpticClass,
  OpticDef,
  Param,
  ParamSpecs,
  PlacementParams,
  BasisGrid,
  DecomposeOptions,
  SegmentDecomposeOptions,
  SegmentTerms,
  PsdModel,
  ScreenSpec,
  Conventions,
} from './optics';
export { radialProfile, encircledEnergy, radiusAtEe, fwhm, centroid, strehl, marechalStrehl, sharpness, contrastCurve, difference } from './analysis';
export type { EeOptions, RadialProfile, FwhmOptions, Centroid, CentroidOptions, ContrastCurve, CenterOption } from './analysis';
export { checkParallelSafety, detectFacts } from './run/safety';
export type { ParallelFacts, SafetyVerdict } from './run/safety';
export { estimateOptimalNProcesses, memoryModel, availableMemory, PROCESS_BASELINE_BYTES } from './run/memory';
export type { WorkloadShape, MemoryModel, EstimateOptions } from './run/memory';
export { shutdownPool, poolPids } from './run/pool';
export type { PsfParallel } from './io/psf';
export { calcPsfGrid, loadGridFile, runGrid, resolveGrid, startGridWorker, DirectoryStore, MAX_GRID_POINTS } from './grid';
export type {
  GridOptions,
  GridProgress,
  GridResult,
  GridSpec,
  FieldSpec,
  FieldWavefront,
  GridPoint,
  ResolvedGrid,
  ResultStore,
  GridFiles,
  WorkerOptions,
  WorkerEvent,
} from './grid';

/** Measuring PSFs: profiles, encircled energy, FWHM, centroids, Strehl, sharpness, contrast. */
export { radialProfile, encircledEnergy, radiusAtEe } from './profile';
export type { EeOptions, RadialProfile } from './profile';
export { fwhm } from './fwhm';
export type { FwhmOptions } from './fwhm';
export { centroid } from './centroid';
export type { Centroid, CentroidOptions } from './centroid';
export { strehl, marechalStrehl, sharpness, contrastCurve, difference } from './measures';
export type { ContrastCurve } from './measures';
export type { CenterOption } from './image';

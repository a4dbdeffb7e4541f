// Each bind_*.cc file adds one concern's functions to the addon's exports.
#pragma once

#include <napi.h>

namespace airy {

void bindKernels(Napi::Env env, Napi::Object exports);   // fft2, mft, FFTW plans and wisdom
void bindInfo(Napi::Env env, Napi::Object exports);      // BLAS, CPU, FFTW, CFITSIO facts
void bindSystem(Napi::Env env, Napi::Object exports);    // compiled systems, wave batches, rasters
void bindFits(Napi::Env env, Napi::Object exports);      // FITS read, write, verify
void bindShm(Napi::Env env, Napi::Object exports);       // shared memory for worker processes
void bindAnalysis(Napi::Env env, Napi::Object exports);  // encircled energy
void bindFresnel(Napi::Env env, Napi::Object exports);   // Gaussian-beam bookkeeping

// Adds exports[name] = cb.
void exportFn(Napi::Env env, Napi::Object exports, const char* name, Napi::Function::Callback cb);

}  // namespace airy

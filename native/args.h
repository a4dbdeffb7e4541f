// Argument checks for the N-API bindings. Arguments arrive validated by
// lib/ (TypeScript); these are assertions that keep a bad direct call from
// crashing the process, and name what was wrong. Options cross as one object
// per call, enums as named strings.
#pragma once

#include <napi.h>

#include <initializer_list>
#include <string>

#include "common.h"

namespace airy {
namespace args {

[[noreturn]] void typeError(Napi::Env env, const std::string& msg);
[[noreturn]] void rangeError(Napi::Env env, const std::string& msg);

// `v` as an object (`name` names it in the error).
Napi::Object object(Napi::Env env, Napi::Value v, const std::string& name);

// A required finite number o[key]; `ctx` names the object in errors.
double num(Napi::Object o, const char* key, const std::string& ctx);
// o[key] if present, else `def`.
double numOr(Napi::Object o, const char* key, const std::string& ctx, double def);
// A required integer o[key] in [min, max].
int integer(Napi::Object o, const char* key, const std::string& ctx, int min, int max = 1 << 30);
int integerOr(Napi::Object o, const char* key, const std::string& ctx, int def, int min, int max = 1 << 30);
// o[key] as a boolean (false when absent).
bool flag(Napi::Object o, const char* key, const std::string& ctx);
// o[key] as the index of one of `names` (`def` when absent; -1: required).
int choice(Napi::Object o, const char* key, const std::string& ctx, std::initializer_list<const char*> names,
           int def = -1);

// A Float64Array o[key] of exactly n elements; empty (and *present false) when absent.
Napi::Float64Array f64(Napi::Object o, const char* key, const std::string& ctx, size_t n, bool* present);

// A Float64Array or Float32Array of `expected` elements.
struct Floats {
  Napi::TypedArray array;
  void* data = nullptr;
  size_t length = 0;
  bool single = false;
};
Floats floats(Napi::Env env, Napi::Value v, const std::string& name, size_t expected);

// The caller's output array `v` if given, else a new one of n elements. A
// given array must match the input's precision and length, and must not
// share memory with the input (transforms are out of place).
Napi::TypedArray outArray(Napi::Env env, Napi::Value v, const Floats& in, size_t n, void** data);

// A new zeroed typed array of n elements. Its memory comes from the C heap, so
// an allocation that fails is an ERR_AIRY_NO_MEMORY error (V8's own would end
// the process); V8 is told of the size so the GC weighs it.
template <typename T>
Napi::TypedArrayOf<T> newArray(Napi::Env env, size_t n);
extern template Napi::TypedArrayOf<double> newArray<double>(Napi::Env, size_t);
extern template Napi::TypedArrayOf<float> newArray<float>(Napi::Env, size_t);

// A JS Error with `code` (and `wavelengthIndex` when the failure names one).
Napi::Error toJsError(Napi::Env env, const Failure& f);

// Runs fn() now and rethrows what it throws as a JS error with a code.
template <typename F>
void runSync(Napi::Env env, F&& fn) {
  Failure f = catchFailure(fn);
  if (f) throw toJsError(env, f);
}

}  // namespace args
}  // namespace airy

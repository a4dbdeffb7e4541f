#include "args.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>

namespace airy {
namespace args {

void typeError(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, msg); }
void rangeError(Napi::Env env, const std::string& msg) { throw Napi::RangeError::New(env, msg); }

Napi::Object object(Napi::Env env, Napi::Value v, const std::string& name) {
  if (!v.IsObject() || v.IsArray()) typeError(env, "`" + name + "` must be an object");
  return v.As<Napi::Object>();
}

double num(Napi::Object o, const char* key, const std::string& ctx) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) typeError(o.Env(), ctx + "." + key + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) rangeError(o.Env(), ctx + "." + key + " must be finite");
  return d;
}

double numOr(Napi::Object o, const char* key, const std::string& ctx, double def) {
  return o.Get(key).IsUndefined() ? def : num(o, key, ctx);
}

int integer(Napi::Object o, const char* key, const std::string& ctx, int min, int max) {
  const double d = num(o, key, ctx);
  if (d != std::floor(d) || d < min || d > max)
    rangeError(o.Env(), ctx + "." + key + " must be an integer from " + std::to_string(min) + " to " +
                            std::to_string(max) + ", got " + std::to_string(d));
  return static_cast<int>(d);
}

int integerOr(Napi::Object o, const char* key, const std::string& ctx, int def, int min, int max) {
  return o.Get(key).IsUndefined() ? def : integer(o, key, ctx, min, max);
}

bool flag(Napi::Object o, const char* key, const std::string& ctx) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return false;
  if (!v.IsBoolean()) typeError(o.Env(), ctx + "." + key + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

int choice(Napi::Object o, const char* key, const std::string& ctx, std::initializer_list<const char*> names,
           int def) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() && def >= 0) return def;
  std::string list;
  for (const char* n : names) list += (list.empty() ? "" : ", ") + std::string("'") + n + "'";
  if (!v.IsString()) typeError(o.Env(), ctx + "." + key + " must be one of " + list);
  const std::string s = v.As<Napi::String>().Utf8Value();
  int i = 0;
  for (const char* n : names) {
    if (s == n) return i;
    ++i;
  }
  rangeError(o.Env(), ctx + "." + key + " must be one of " + list + ", got '" + s + "'");
}

Napi::Float64Array f64(Napi::Object o, const char* key, const std::string& ctx, size_t n, bool* present) {
  Napi::Value v = o.Get(key);
  *present = false;
  if (v.IsUndefined() || v.IsNull()) return Napi::Float64Array();
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    typeError(o.Env(), ctx + "." + key + " must be a Float64Array");
  auto a = v.As<Napi::Float64Array>();
  if (a.ElementLength() != n)
    rangeError(o.Env(), ctx + "." + key + " has " + std::to_string(a.ElementLength()) +
                            " elements, expected " + std::to_string(n));
  *present = true;
  return a;
}

Floats floats(Napi::Env env, Napi::Value v, const std::string& name, size_t expected) {
  if (!v.IsTypedArray()) typeError(env, "`" + name + "` must be a Float64Array or Float32Array");
  auto ta = v.As<Napi::TypedArray>();
  Floats a;
  a.array = ta;
  if (ta.TypedArrayType() == napi_float64_array) {
    a.data = ta.As<Napi::Float64Array>().Data();
  } else if (ta.TypedArrayType() == napi_float32_array) {
    a.data = ta.As<Napi::Float32Array>().Data();
    a.single = true;
  } else {
    typeError(env, "`" + name + "` must be a Float64Array or Float32Array");
  }
  a.length = ta.ElementLength();
  if (a.length != expected)
    rangeError(env, "`" + name + "` has " + std::to_string(a.length) + " elements, expected " +
                        std::to_string(expected));
  return a;
}

template <typename T>
Napi::TypedArrayOf<T> newArray(Napi::Env env, size_t n) {
  const size_t bytes = n * sizeof(T);
  if (n > SIZE_MAX / sizeof(T))
    throw toJsError(env,
                    {"ERR_AIRY_NO_MEMORY", "cannot allocate an array of " + std::to_string(n) + " elements"});
  void* p = std::calloc(n == 0 ? 1 : n, sizeof(T));
  if (!p)
    throw toJsError(env, {"ERR_AIRY_NO_MEMORY", "could not allocate " + std::to_string(bytes) + " bytes"});
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes));
  auto buffer = Napi::ArrayBuffer::New(env, p, bytes, [bytes](Napi::Env e, void* d) {
    std::free(d);
    Napi::MemoryManagement::AdjustExternalMemory(e, -static_cast<int64_t>(bytes));
  });
  return Napi::TypedArrayOf<T>::New(env, n, buffer, 0);
}
template Napi::TypedArrayOf<double> newArray<double>(Napi::Env, size_t);
template Napi::TypedArrayOf<float> newArray<float>(Napi::Env, size_t);

Napi::TypedArray outArray(Napi::Env env, Napi::Value v, const Floats& in, size_t n, void** data) {
  if (v.IsUndefined() || v.IsNull()) {
    if (in.single) {
      auto a = newArray<float>(env, n);
      *data = a.Data();
      return a;
    }
    auto a = newArray<double>(env, n);
    *data = a.Data();
    return a;
  }
  Floats out = floats(env, v, "out", n);
  if (out.single != in.single) typeError(env, "`out` must have the same precision as the input");
  auto* ib = static_cast<char*>(in.data);
  auto* ob = static_cast<char*>(out.data);
  const size_t esz = in.single ? sizeof(float) : sizeof(double);
  if (ob < ib + in.length * esz && ib < ob + n * esz) rangeError(env, "`out` must not overlap the input");
  *data = out.data;
  return out.array;
}

Napi::Error toJsError(Napi::Env env, const Failure& f) {
  auto e = Napi::Error::New(env, f.message);
  e.Set("code", Napi::String::New(env, f.code));
  if (f.index >= 0) e.Set("wavelengthIndex", Napi::Number::New(env, static_cast<double>(f.index)));
  return e;
}

}  // namespace args
}  // namespace airy

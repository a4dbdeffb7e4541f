// The Gaussian-beam bookkeeping of Fresnel propagation (fresnel::Beam) for
// TypeScript: lib/fresnel/beam.ts reports what the native propagation does.
#include <napi.h>

#include "args.h"
#include "bind.h"
#include "fresnel.h"

namespace airy {
namespace {

const char* opName(fresnel::Beam::Op op) {
  switch (op) {
    case fresnel::Beam::Op::PlaneToPlane:
      return "planeToPlane";
    case fresnel::Beam::Op::WaistToSpherical:
      return "waistToSpherical";
    default:
      return "sphericalToWaist";
  }
}

class BeamWrap : public Napi::ObjectWrap<BeamWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeBeam",
                       {InstanceMethod("propagate", &BeamWrap::Propagate, napi_default_method),
                        InstanceMethod("lens", &BeamWrap::Lens, napi_default_method),
                        InstanceMethod("state", &BeamWrap::State, napi_default_method)});
  }

  // new NativeBeam({ radius, wavelength, n, pixel, rayleighFactor }), metres;
  // the caller (lib/fresnel/beam.ts) has validated them.
  explicit BeamWrap(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<BeamWrap>(info), beam_(beamOf(info.Env(), info[0])) {}

 private:
  static fresnel::Beam beamOf(Napi::Env env, Napi::Value v) {
    const std::string ctx = "beam";
    auto o = args::object(env, v, ctx);
    return fresnel::Beam(args::num(o, "radius", ctx), args::num(o, "wavelength", ctx),
                         args::integer(o, "n", ctx, 1), args::num(o, "pixel", ctx),
                         args::num(o, "rayleighFactor", ctx));
  }

  // propagate(dz): the array operations, [{ op, dz, pixel }] (pixel: metres per sample after it).
  Napi::Value Propagate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const auto steps = beam_.propagate(info[0].As<Napi::Number>().DoubleValue());
    auto out = Napi::Array::New(env, steps.size());
    for (size_t i = 0; i < steps.size(); ++i) {
      auto s = Napi::Object::New(env);
      s.Set("op", opName(steps[i].op));
      s.Set("dz", steps[i].dz);
      s.Set("pixel", steps[i].pixelAfter);
      out.Set(static_cast<uint32_t>(i), s);
    }
    return out;
  }

  // lens(f): the radius of the quadratic phase the lens leaves on the array, metres.
  Napi::Value Lens(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), beam_.lens(info[0].As<Napi::Number>().DoubleValue()));
  }

  // state(): { z, waist, waistZ, spherical, pixel, focalLength }, metres.
  Napi::Value State(const Napi::CallbackInfo& info) {
    auto s = Napi::Object::New(info.Env());
    s.Set("z", beam_.z());
    s.Set("waist", beam_.waist());
    s.Set("waistZ", beam_.waistZ());
    s.Set("spherical", beam_.spherical());
    s.Set("pixel", beam_.pixel());
    s.Set("focalLength", beam_.focalLength());
    return s;
  }

  fresnel::Beam beam_;
};

}  // namespace

void bindFresnel(Napi::Env env, Napi::Object exports) { exports.Set("NativeBeam", BeamWrap::Define(env)); }

}  // namespace airy

// Bindings of the engine: NativeSystem (a compiled optical system) with its
// one way to compute wavelengths, computeWaves (a batch on N lanes in this
// process) and forkWaves (the same batch in forked children); rasterPlane
// (optics sampled on a grid, for pupil planes at compile time).
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>

#include "args.h"
#include "bandlimit.h"
#include "batch.h"
#include "bind.h"
#include "forkrun.h"
#include "promise_worker.h"
#include "raster.h"
#include "shm.h"
#include "vortex.h"

namespace airy {
namespace {

using args::typeError;

// Borrowed typed arrays stay referenced here; copies live in sys.arrays.
struct Arrays {
  prop::System& sys;
  bool borrow;
  std::vector<Napi::ObjectReference>* refs;
  const double* take(Napi::Float64Array a) {
    if (borrow) {
      refs->push_back(Napi::Persistent(a.As<Napi::Object>()));
      return a.Data();
    }
    sys.arrays.emplace_back(a.Data(), a.Data() + a.ElementLength());
    return sys.arrays.back().data();
  }
  // The Float64Array o[key] of n elements, taken; null when absent.
  const double* optional(Napi::Object o, const char* key, const std::string& ctx, size_t n) {
    bool has = false;
    auto a = args::f64(o, key, ctx, n, &has);
    return has ? take(a) : nullptr;
  }
};

raster::Prim primOf(Napi::Env env, Napi::Value v, const std::string& ctx) {
  auto o = args::object(env, v, ctx);
  raster::Prim p;
  p.kind = static_cast<raster::PrimKind>(args::choice(
      o, "kind", ctx, {"circle", "annulus", "rect", "polygon", "spoke", "bar", "halfPlane", "plane"}));
  p.a = args::numOr(o, "a", ctx, 0);
  p.b = args::numOr(o, "b", ctx, 0);
  p.c = args::numOr(o, "c", ctx, 0);
  p.x = args::numOr(o, "x", ctx, 0);
  p.y = args::numOr(o, "y", ctx, 0);
  if (p.kind == raster::PrimKind::Polygon && (p.a < 3 || p.a != std::floor(p.a)))
    args::rangeError(env, ctx + ": a polygon needs a whole number of sides, 3 or more");
  return p;
}

std::vector<double> numbersOf(Napi::Env env, Napi::Value v, const std::string& ctx) {
  if (!v.IsArray()) typeError(env, ctx + " must be an array of numbers");
  auto a = v.As<Napi::Array>();
  std::vector<double> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value x = a.Get(i);
    if (!x.IsNumber() || !std::isfinite(x.As<Napi::Number>().DoubleValue()))
      args::rangeError(env, ctx + "[" + std::to_string(i) + "] must be a finite number");
    out[i] = x.As<Napi::Number>().DoubleValue();
  }
  return out;
}

// The array of primitives o[key].
std::vector<raster::Prim> primsOf(Napi::Env env, Napi::Object o, const char* key, const std::string& ctx) {
  Napi::Value v = o.Get(key);
  const std::string at = ctx + "." + key;
  if (!v.IsArray()) typeError(env, at + " must be an array");
  auto a = v.As<Napi::Array>();
  std::vector<raster::Prim> out;
  for (uint32_t i = 0; i < a.Length(); ++i)
    out.push_back(primOf(env, a.Get(i), at + "[" + std::to_string(i) + "]"));
  return out;
}

// { segments: prims, piston, tip, tilt: numbers, one per segment }.
raster::SegmentOpdLayer segmentOpdOf(Napi::Env env, Napi::Object o, const std::string& ctx) {
  raster::SegmentOpdLayer s;
  s.segments = primsOf(env, o, "segments", ctx);
  s.piston = numbersOf(env, o.Get("piston"), ctx + ".piston");
  s.tip = numbersOf(env, o.Get("tip"), ctx + ".tip");
  s.tilt = numbersOf(env, o.Get("tilt"), ctx + ".tilt");
  const size_t n = s.segments.size();
  if (s.piston.size() != n || s.tip.size() != n || s.tilt.size() != n)
    args::rangeError(env, ctx + ": piston, tip and tilt need one value per segment");
  return s;
}

// One layer: { kind, shiftX, shiftY, rotation (radians), ...its parameters }.
raster::Layer layerOf(Napi::Env env, Napi::Value v, const std::string& ctx, Arrays& arrays) {
  auto o = args::object(env, v, ctx);
  raster::Layer l;
  l.shiftX = args::numOr(o, "shiftX", ctx, 0);
  l.shiftY = args::numOr(o, "shiftY", ctx, 0);
  l.rotation = args::numOr(o, "rotation", ctx, 0);
  switch (args::choice(o, "kind", ctx,
                       {"shape", "scalar", "zernike", "thinLens", "fqpm", "bandLimited", "vortex",
                        "segmentOpd", "gaussian", "sine", "actuators", "conic", "array"})) {
    case 0: {
      raster::ShapeLayer s;
      s.prims = primsOf(env, o, "prims", ctx);
      s.invert = args::flag(o, "invert", ctx);
      s.gray = !o.Has("gray") || o.Get("gray").ToBoolean().Value();
      l.what = std::move(s);
      break;
    }
    case 1:
      l.what = raster::ScalarLayer{args::num(o, "value", ctx)};
      break;
    case 2:
      l.what = raster::ZernikeLayer{args::num(o, "radius", ctx),
                                    numbersOf(env, o.Get("coefficients"), ctx + ".coefficients"),
                                    args::flag(o, "hexagon", ctx)};
      break;
    case 3:
      l.what = raster::ThinLensLayer{args::num(o, "radius", ctx), args::num(o, "halfPeakToValley", ctx)};
      break;
    case 4:
      l.what = raster::FqpmLayer{args::num(o, "step", ctx)};
      break;
    case 5:
      l.what = raster::BandLimitedLayer{args::flag(o, "circular", ctx), args::num(o, "sigma", ctx)};
      break;
    case 6:
      l.what = raster::VortexLayer{args::integer(o, "charge", ctx, -64, 64),
                                   args::numOr(o, "designWavelength", ctx, 0)};
      break;
    case 7:
      l.what = segmentOpdOf(env, o, ctx);
      break;
    case 8:
      l.what = raster::GaussianLayer{args::num(o, "w", ctx)};
      break;
    case 10: {
      raster::ActuatorLayer a;
      a.ny = args::integer(o, "ny", ctx, 1, 4096);
      a.nx = args::integer(o, "nx", ctx, 1, 4096);
      a.spacing = args::num(o, "spacing", ctx);
      a.sigma = args::num(o, "sigma", ctx);
      if (!(a.spacing > 0) || !(a.sigma > 0))
        args::rangeError(env, ctx + ": spacing and sigma must be positive");
      a.heights = numbersOf(env, o.Get("heights"), ctx + ".heights");
      if (a.heights.size() != static_cast<size_t>(a.ny) * a.nx)
        args::rangeError(env, ctx + ".heights needs ny * nx = " + std::to_string(a.ny * a.nx) + " values");
      if (o.Has("influence")) {
        a.tableNy = args::integer(o, "influenceNy", ctx, 4, 16384);
        a.tableNx = args::integer(o, "influenceNx", ctx, 4, 16384);
        a.sampling = args::num(o, "influenceSampling", ctx);
        if (!(a.sampling > 0)) args::rangeError(env, ctx + ".influenceSampling must be positive");
        a.table = arrays.optional(o, "influence", ctx, static_cast<size_t>(a.tableNy) * a.tableNx);
      }
      l.what = std::move(a);
      break;
    }
    case 11: {
      raster::ConicLayer c{args::num(o, "radius", ctx), args::num(o, "curvature", ctx),
                           args::num(o, "conic", ctx), args::num(o, "factor", ctx)};
      if (!(c.radius > 0) || c.curvature == 0 || !std::isfinite(c.curvature) || !std::isfinite(c.conic) ||
          !std::isfinite(c.factor))
        args::rangeError(env, ctx + ": a conic needs a positive radius and a finite, non-zero curvature");
      if ((1 + c.conic) * c.radius * c.radius > c.curvature * c.curvature)
        args::rangeError(env, ctx + ": the conic surface is not defined out to its radius");
      l.what = c;
      break;
    }
    case 9:
      l.what = raster::SineLayer{args::num(o, "frequency", ctx), args::num(o, "amplitude", ctx),
                                 args::numOr(o, "phase", ctx, 0)};
      break;
    default: {
      raster::ArrayLayer a;
      a.ny = args::integer(o, "ny", ctx, 1);
      a.nx = args::integer(o, "nx", ctx, 1);
      a.pixelscale = args::num(o, "pixelscale", ctx);
      const size_t n = static_cast<size_t>(a.ny) * a.nx;
      a.amp = arrays.optional(o, "amp", ctx, n);
      a.opd = arrays.optional(o, "opd", ctx, n);
      l.what = a;
    }
  }
  return l;
}

std::vector<raster::Layer> layersOf(Napi::Env env, Napi::Value v, const std::string& ctx, Arrays& arrays) {
  if (!v.IsArray()) typeError(env, ctx + " must be an array of layers");
  auto a = v.As<Napi::Array>();
  std::vector<raster::Layer> out;
  for (uint32_t i = 0; i < a.Length(); ++i)
    out.push_back(layerOf(env, a.Get(i), ctx + "[" + std::to_string(i) + "]", arrays));
  return out;
}

// rasterPlane(layers, { ny, nx, cy, cx, scale }, { y0, x0, ny, nx } | { extent })
//   -> { amp: Float64Array, opd?: Float64Array, y0, x0, ny, nx } over the rectangle.
Napi::Value RasterPlane(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  prop::System scratch;  // holds copies of array layers for this call
  Arrays arrays{scratch, false, nullptr};
  const auto layers = layersOf(env, info[0], "layers", arrays);
  auto go = args::object(env, info[1], "grid");
  raster::Grid g{args::integer(go, "ny", "grid", 1), args::integer(go, "nx", "grid", 1),
                 args::num(go, "cy", "grid"), args::num(go, "cx", "grid"), args::num(go, "scale", "grid")};
  if (!(g.scale > 0)) args::rangeError(env, "grid.scale must be positive");
  // The rectangle, or { extent }: the window the optics' extent implies (as image planes get theirs).
  auto ro = args::object(env, info[2], "rect");
  raster::Rect r;
  if (!ro.Get("extent").IsUndefined()) {
    r = raster::windowFor(args::num(ro, "extent", "rect"), g);
  } else {
    r = {args::integer(ro, "y0", "rect", 0), args::integer(ro, "x0", "rect", 0),
         args::integer(ro, "ny", "rect", 0), args::integer(ro, "nx", "rect", 0)};
  }
  if (r.y0 + r.ny > g.ny || r.x0 + r.nx > g.nx) args::rangeError(env, "rect exceeds the grid");
  raster::Sampled sm;
  args::runSync(env, [&] { sm = raster::sample(layers, g, r); });
  auto copy = [&](const std::vector<double>& v) {
    auto a = args::newArray<double>(env, v.size());
    std::copy(v.begin(), v.end(), a.Data());
    return a;
  };
  auto o = Napi::Object::New(env);
  o.Set("amp", copy(sm.amp));
  o.Set("cover", copy(sm.cover));
  if (!sm.opd.empty()) o.Set("opd", copy(sm.opd));
  if (!sm.phase.empty()) o.Set("phase", copy(sm.phase));
  o.Set("y0", r.y0);
  o.Set("x0", r.x0);
  o.Set("ny", r.ny);
  o.Set("nx", r.nx);
  return o;
}

prop::Window windowOf(Napi::Object o, const std::string& ctx, int grid, Arrays& arrays) {
  prop::Window w;
  w.y0 = args::integer(o, "y0", ctx, 0);
  w.x0 = args::integer(o, "x0", ctx, 0);
  w.ny = args::integer(o, "ny", ctx, 0);
  w.nx = args::integer(o, "nx", ctx, 0);
  if (w.y0 + w.ny > grid || w.x0 + w.nx > grid)
    args::rangeError(
        o.Env(), ctx + ": window exceeds the " + std::to_string(grid) + "x" + std::to_string(grid) + " grid");
  w.outside = {args::num(o, "outside", ctx), 0.0};
  const size_t n = static_cast<size_t>(w.ny) * w.nx;
  w.amp = arrays.optional(o, "amp", ctx, n);
  w.opd = arrays.optional(o, "opd", ctx, n);
  return w;
}

void stepOf(Napi::Env env, Napi::Value v, const std::string& ctx, prop::System& sys, size_t i,
            Arrays& arrays) {
  auto so = args::object(env, v, ctx);
  prop::Step& st = sys.steps[i];
  st.kind = static_cast<prop::StepKind>(args::choice(so, "kind", ctx, {"pupil", "image", "detector"}));
  if (st.kind == prop::StepKind::Detector) {
    st.npixY = args::integer(so, "npixY", ctx, 1);
    st.npixX = args::integer(so, "npixX", ctx, 1);
    st.pixelscale = args::num(so, "pixelscale", ctx);
    st.offsetY = args::numOr(so, "offsetY", ctx, 0.0);
    st.offsetX = args::numOr(so, "offsetX", ctx, 0.0);
    const int order = args::integerOr(so, "pixelOrder", ctx, 1, 1, 64);
    if (order > 1) {
      bool has = false;
      auto nodes = args::f64(so, "pixelNodes", ctx, order, &has);
      auto weights = args::f64(so, "pixelWeights", ctx, order, &has);
      st.pixelNodes.assign(nodes.Data(), nodes.Data() + order);
      st.pixelWeights.assign(weights.Data(), weights.Data() + order);
    }
  } else if (st.kind == prop::StepKind::Image) {
    st.image.layers = layersOf(env, so.Get("layers"), ctx + ".layers", arrays);
    st.image.extent = args::num(so, "extent", ctx);
    st.image.outside = args::num(so, "outside", ctx);
    st.image.method = static_cast<prop::ImageMethod>(args::choice(so, "method", ctx, {"fft", "mft"}));
    if (st.image.method == prop::ImageMethod::Mft) {
      st.image.sampling = args::num(so, "sampling", ctx);
      st.image.analytic = args::choice(so, "model", ctx, {"sampled", "analytic"}, 0) == 1;
      if (st.image.analytic && !bandlimit::analytic(st.image.layers) && !vortex::is(st.image.layers))
        args::rangeError(env,
                         ctx + ".model is 'analytic' but the plane is not one analytic shape or a vortex");
      if (st.image.analytic && !(st.image.sampling >= bandlimit::kMinSampling))
        args::rangeError(env, ctx + ".sampling must be at least 3 for the analytic model");
    }
  } else if (so.Get("mask").IsObject()) {
    st.mask =
        windowOf(so.Get("mask").As<Napi::Object>(), ctx + ".mask", i == 0 ? sys.npix : sys.padded, arrays);
  }
}

// { beamRadius, rayleighFactor?, planes: [{ distance, focalLength?, layers, extent?, outside?, mftN?,
// mftPixel? }],
//   detectorDistance, pixelSize } of a Fresnel system.
std::shared_ptr<const fresnel::Desc> fresnelOf(Napi::Env env, Napi::Value v, Arrays& arrays) {
  const std::string ctx = "system.fresnel";
  auto o = args::object(env, v, ctx);
  auto d = std::make_shared<fresnel::Desc>();
  d->beamRadius = args::num(o, "beamRadius", ctx);
  d->rayleighFactor = args::numOr(o, "rayleighFactor", ctx, 2.0);
  d->bandLimit = args::flag(o, "bandLimit", ctx);
  d->detectorDistance = args::num(o, "detectorDistance", ctx);
  d->pixelSize = args::num(o, "pixelSize", ctx);
  if (!o.Get("planes").IsArray()) typeError(env, ctx + ".planes must be an array");
  auto planes = o.Get("planes").As<Napi::Array>();
  for (uint32_t i = 0; i < planes.Length(); ++i) {
    const std::string at = ctx + ".planes[" + std::to_string(i) + "]";
    auto po = args::object(env, planes.Get(i), at);
    fresnel::Plane p;
    p.distance = args::num(po, "distance", at);
    p.focalLength = args::numOr(po, "focalLength", at, 0.0);
    p.layers = layersOf(env, po.Get("layers"), at + ".layers", arrays);
    p.extent = args::numOr(po, "extent", at, -1.0);
    p.outside = args::numOr(po, "outside", at, 1.0);
    p.mftN = static_cast<int>(args::numOr(po, "mftN", at, 0.0));
    p.mftPixel = args::numOr(po, "mftPixel", at, 0.0);
    d->planes.push_back(std::move(p));
  }
  return d;
}

std::vector<prop::Wave> wavesOf(Napi::Env env, Napi::Value v) {
  if (!v.IsArray()) typeError(env, "`waves` must be an array");
  auto arr = v.As<Napi::Array>();
  if (arr.Length() == 0) args::rangeError(env, "`waves` must not be empty");
  std::vector<prop::Wave> waves;
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    const std::string ctx = "waves[" + std::to_string(i) + "]";
    auto o = args::object(env, arr.Get(i), ctx);
    prop::Wave w{args::num(o, "wavelength", ctx), args::num(o, "tiltX", ctx), args::num(o, "tiltY", ctx)};
    if (!(w.wavelength > 0)) args::rangeError(env, ctx + ".wavelength must be positive");
    waves.push_back(w);
  }
  return waves;
}

const char* kindName(prop::StepKind k) {
  return k == prop::StepKind::Pupil ? "pupil" : k == prop::StepKind::Image ? "image" : "detector";
}

// [[{ kind, ny, nx, field }]] per wavelength, for returnIntermediates.
Napi::Value planesValue(Napi::Env env, const std::vector<std::vector<prop::Captured>>& planes) {
  auto all = Napi::Array::New(env, planes.size());
  for (size_t w = 0; w < planes.size(); ++w) {
    auto arr = Napi::Array::New(env, planes[w].size());
    for (size_t i = 0; i < planes[w].size(); ++i) {
      const auto& c = planes[w][i];
      auto po = Napi::Object::New(env);
      po.Set("kind", kindName(c.kind));
      po.Set("ny", c.ny);
      if (c.pixelscale > 0) po.Set("pixelscale", c.pixelscale);
      po.Set("nx", c.nx);
      auto f = args::newArray<double>(env, 2 * c.field.size());
      std::memcpy(f.Data(), c.field.data(), sizeof(prop::cplx) * c.field.size());
      po.Set("field", f);
      arr.Set(static_cast<uint32_t>(i), po);
    }
    all.Set(static_cast<uint32_t>(w), arr);
  }
  return all;
}

prop::RunOptions runOptionsOf(Napi::Object o, const std::string& ctx) {
  prop::RunOptions r;
  r.normalize = static_cast<prop::Normalize>(
      args::choice(o, "normalize", ctx, {"none", "first", "last", "exit_pupil"}));
  r.effort = static_cast<fft::Effort>(args::choice(o, "planner", ctx, {"estimate", "measure", "patient"}, 0));
  r.fftThreads = args::integerOr(o, "fftThreads", ctx, 1, 1);
  r.single = args::choice(o, "precision", ctx, {"double", "single"}, 0) == 1;
  return r;
}

class SystemWrap : public Napi::ObjectWrap<SystemWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    // Methods are writable and configurable, as those of a JS class.
    return DefineClass(env, "NativeSystem",
                       {InstanceMethod("computeWaves", &SystemWrap::ComputeWaves, napi_default_method),
                        InstanceMethod("forkWaves", &SystemWrap::ForkWaves, napi_default_method),
                        InstanceMethod("dropScratch", &SystemWrap::DropScratch, napi_default_method)});
  }

  // new NativeSystem({ npix, padded, pupilScale, steps }, { borrow? }). The
  // arrays are copied, or with borrow: true used in place (kept alive by
  // this object, which every async call keeps alive; worker processes
  // borrow from a shared mapping so that all of them read the same pages).
  explicit SystemWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SystemWrap>(info) {
    try {
      build(info);
    } catch (const std::bad_alloc&) {
      throw args::toJsError(info.Env(),
                            {"ERR_AIRY_NO_MEMORY", "out of memory while copying the system's plane arrays"});
    }
  }

 private:
  void build(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const bool borrow = info.Length() > 1 && info[1].IsObject() &&
                        info[1].As<Napi::Object>().Get("borrow").ToBoolean().Value();
    auto d = args::object(env, info[0], "system");
    sys_ = std::make_shared<prop::System>();
    sys_->npix = args::integer(d, "npix", "system", 1);
    sys_->padded = args::integer(d, "padded", "system", 1);
    sys_->pupilScale = args::num(d, "pupilScale", "system");
    sys_->pupilEnergy = args::numOr(d, "pupilEnergy", "system", 0);
    if (!d.Get("steps").IsArray()) typeError(env, "system.steps must be an array");
    auto steps = d.Get("steps").As<Napi::Array>();
    sys_->steps.resize(steps.Length());
    Arrays arrays{*sys_, borrow, &borrowed_};
    for (uint32_t i = 0; i < steps.Length(); ++i)
      stepOf(env, steps.Get(i), "system.steps[" + std::to_string(i) + "]", *sys_, i, arrays);
    if (!d.Get("fresnel").IsUndefined()) sys_->fresnel = fresnelOf(env, d.Get("fresnel"), arrays);
    args::runSync(env, [&] { sys_->prepare(); });
  }

  // out: Float64Array of waves x detector pixels.
  double* outOf(Napi::Env env, Napi::Value v, size_t waves) {
    const prop::Step& det = sys_->steps.back();
    const size_t m = static_cast<size_t>(det.npixY) * det.npixX;
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
      typeError(env, "`out` must be a Float64Array");
    auto out = v.As<Napi::Float64Array>();
    if (out.ElementLength() != m * waves)
      args::rangeError(env, "`out` must have " + std::to_string(m * waves) + " elements (" +
                                std::to_string(waves) + " wavelengths x " + std::to_string(m) + " pixels)");
    return out.Data();
  }

  static Napi::Function callback(Napi::Object o, const char* key) {
    Napi::Value v = o.Get(key);
    return v.IsFunction() ? v.As<Napi::Function>() : Napi::Function();
  }

  // computeWaves(waves, out, { lanes, fftThreads, planner, normalize, capture, cancel, onProgress, indices })
  //   -> Promise<{ kernelSeconds, totalSeconds, planes? }>
  // PSF i goes to out[i * pixels ...]. cancel: Int32Array(1); nonzero stops
  // the lanes before their next wavelength. A failure rejects with `code`
  // and `wavelengthIndex`.
  Napi::Value ComputeWaves(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto waves = std::make_shared<std::vector<prop::Wave>>(wavesOf(env, info[0]));
    double* out = outOf(env, info[1], waves->size());
    auto o = args::object(env, info[2], "options");
    batch::Options opts;
    opts.run = runOptionsOf(o, "options");
    opts.lanes = args::integerOr(o, "lanes", "options", 1, 1, 4096);
    opts.capture = args::flag(o, "capture", "options");
    auto indices = std::make_shared<std::vector<size_t>>(indicesOf(env, o.Get("indices"), waves->size()));
    std::vector<Napi::Value> keep{info[1], info.This()};
    Napi::Value cancel = o.Get("cancel");
    if (!cancel.IsUndefined()) {
      if (!cancel.IsTypedArray() || cancel.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
          cancel.As<Napi::TypedArray>().ElementLength() < 1)
        typeError(env, "options.cancel must be an Int32Array of length >= 1");
      opts.cancel = cancel.As<Napi::Int32Array>().Data();
      keep.push_back(cancel);
    }
    auto sys = sys_;
    auto result = std::make_shared<batch::Result>();
    return PromiseWorker::start(
        env, "airy.computeWaves",
        [sys, waves, indices, out, opts, result](const PromiseWorker::Report& report) {
          *result = batch::run(*sys, *waves, *indices, out, opts, report);
          if (result->failure) {
            const Failure& f = result->failure;
            throw WaveError(f.code, f.message, f.index);
          }
        },
        [result, capture = opts.capture](Napi::Env e) -> Napi::Value {
          auto r = Napi::Object::New(e);
          r.Set("kernelSeconds", result->kernelSeconds);
          r.Set("totalSeconds", result->totalSeconds);
          if (capture) r.Set("planes", planesValue(e, result->planes));
          return r;
        },
        keep, callback(o, "onProgress"));
  }

  // options.indices: the wavelengths to compute (default all), each once.
  static std::vector<size_t> indicesOf(Napi::Env env, Napi::Value v, size_t n) {
    if (v.IsUndefined()) return batch::allIndices(n);
    if (!v.IsArray()) typeError(env, "options.indices must be an array of wavelength indices");
    auto a = v.As<Napi::Array>();
    std::vector<size_t> out;
    std::vector<char> seen(n, 0);
    for (uint32_t k = 0; k < a.Length(); ++k) {
      Napi::Value x = a.Get(k);
      const double d = x.IsNumber() ? x.As<Napi::Number>().DoubleValue() : -1;
      if (!(d >= 0 && d < static_cast<double>(n) && d == std::floor(d)) || seen[static_cast<size_t>(d)])
        args::rangeError(env, "options.indices[" + std::to_string(k) + "] must be a distinct index below " +
                                  std::to_string(n));
      seen[static_cast<size_t>(d)] = 1;
      out.push_back(static_cast<size_t>(d));
    }
    return out;
  }

  // forkWaves(waves, out, { workers, planner, normalize, onProgress, onChild })
  //   -> Promise<{ kernelSeconds, totalSeconds }>
  // The batch in `workers` forked children writing straight into `out`,
  // which must lie in a sharedBlock. onChild(pid) as each child starts.
  Napi::Value ForkWaves(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto waves = std::make_shared<std::vector<prop::Wave>>(wavesOf(env, info[0]));
    double* out = outOf(env, info[1], waves->size());
    const size_t bytes = info[1].As<Napi::Float64Array>().ByteLength();
    if (!shm::isSharedBlock(out, bytes))
      typeError(env, "`out` must be a view of a sharedBlock (forked children write into it)");
    auto o = args::object(env, info[2], "options");
    batch::Options opts;
    opts.run = runOptionsOf(o, "options");
    const int workers = args::integer(o, "workers", "options", 1, 4096);
    auto sys = sys_;
    Napi::Function onProgress = callback(o, "onProgress"), onChild = callback(o, "onChild");
    // Reports: i >= 0 a finished wavelength, -1 - pid a child started.
    Napi::Function report = Napi::Function::New(
        env, [p = std::make_shared<Napi::FunctionReference>(
                  onProgress.IsEmpty() ? Napi::FunctionReference() : Napi::Persistent(onProgress)),
              c = std::make_shared<Napi::FunctionReference>(onChild.IsEmpty() ? Napi::FunctionReference()
                                                                              : Napi::Persistent(onChild))](
                 const Napi::CallbackInfo& ci) {
          const double v = ci[0].As<Napi::Number>().DoubleValue();
          if (v >= 0 && !p->IsEmpty()) p->Call({ci[0]});
          if (v < 0 && !c->IsEmpty()) c->Call({Napi::Number::New(ci.Env(), -1 - v)});
        });
    auto t0 = std::make_shared<double>(0);
    return PromiseWorker::start(
        env, "airy.forkWaves",
        [sys, waves, out, opts, workers, t0](const PromiseWorker::Report& r) {
          const auto start = std::chrono::steady_clock::now();
          forkrun::run(*sys, *waves, opts, workers, out, r);
          *t0 = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        },
        [t0](Napi::Env e) -> Napi::Value {
          auto r = Napi::Object::New(e);
          r.Set("kernelSeconds", *t0);
          r.Set("totalSeconds", *t0);
          return r;
        },
        {info[1], info.This()}, report);
  }

  Napi::Value DropScratch(const Napi::CallbackInfo& info) {
    sys_->dropScratch();
    return info.Env().Undefined();
  }

  std::shared_ptr<prop::System> sys_;
  std::vector<Napi::ObjectReference> borrowed_;
};

}  // namespace

void bindSystem(Napi::Env env, Napi::Object exports) {
  exportFn(env, exports, "rasterPlane", RasterPlane);
  exports.Set("NativeSystem", SystemWrap::Define(env));
}

}  // namespace airy

// Image analysis kernels: encircled energy with exact pixel-disk overlaps
// (each pixel's flux spread uniformly over the pixel).
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "args.h"
#include "bind.h"
#include "pixel_area.h"

namespace airy {
namespace {

// Flux inside the circle of radius r around (cx, cy), pixel units (pixel (i,
// j) spans [j - 1/2, j + 1/2]), and its first moments about (cx, cy) with
// each pixel at its centre.
struct Inside {
  double flux = 0, mx = 0, my = 0;
};

Inside fluxInside(const double* a, int ny, int nx, double cy, double cx, double r) {
  const int i0 = std::max(0, static_cast<int>(std::floor(cy - r - 0.5)));
  const int i1 = std::min(ny - 1, static_cast<int>(std::ceil(cy + r + 0.5)));
  const int j0 = std::max(0, static_cast<int>(std::floor(cx - r - 0.5)));
  const int j1 = std::min(nx - 1, static_cast<int>(std::ceil(cx + r + 0.5)));
  Inside in;
  for (int i = i0; i <= i1; ++i) {
    const double y0 = i - 0.5 - cy, y1 = i + 0.5 - cy;
    const double ny2 = std::min(y0 * y0, y1 * y1) * (y0 * y1 > 0);
    const double fy2 = std::max(y0 * y0, y1 * y1);
    for (int j = j0; j <= j1; ++j) {
      const double x0 = j - 0.5 - cx, x1 = j + 0.5 - cx;
      const double nx2 = std::min(x0 * x0, x1 * x1) * (x0 * x1 > 0);
      if (nx2 + ny2 >= r * r) continue;
      const double v = a[static_cast<size_t>(i) * nx + j];
      const double fx2 = std::max(x0 * x0, x1 * x1);
      const double f = fx2 + fy2 <= r * r ? v : v * raster::diskInRect(r, x0, x1, y0, y1);
      in.flux += f;
      in.mx += f * (j - cx);
      in.my += f * (i - cy);
    }
  }
  return in;
}

// encircledFlux({ data, ny, nx, cy, cx, radii }) -> Float64Array of 3 per
// radius (pixels): the flux inside, and its first moments along x and y.
Napi::Value EncircledFlux(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string ctx = "encircledFlux";
  auto o = args::object(env, info[0], ctx);
  const int ny = args::integer(o, "ny", ctx, 1);
  const int nx = args::integer(o, "nx", ctx, 1);
  bool has = false;
  auto data = args::f64(o, "data", ctx, static_cast<size_t>(ny) * nx, &has);
  if (!has) args::typeError(env, ctx + ".data is required");
  const double cy = args::num(o, "cy", ctx), cx = args::num(o, "cx", ctx);
  if (!o.Get("radii").IsTypedArray()) args::typeError(env, ctx + ".radii must be a Float64Array");
  auto radii = o.Get("radii").As<Napi::Float64Array>();
  auto out = args::newArray<double>(env, 3 * radii.ElementLength());
  for (size_t k = 0; k < radii.ElementLength(); ++k) {
    const double r = radii[k];
    if (!(r >= 0) || !std::isfinite(r)) args::rangeError(env, ctx + ".radii must be finite and >= 0");
    const Inside in = fluxInside(data.Data(), ny, nx, cy, cx, r);
    out[3 * k] = in.flux;
    out[3 * k + 1] = in.mx;
    out[3 * k + 2] = in.my;
  }
  return out;
}

}  // namespace

void bindAnalysis(Napi::Env env, Napi::Object exports) {
  exportFn(env, exports, "encircledFlux", EncircledFlux);
}

}  // namespace airy

#include "mft.h"

#include <cmath>
#include <list>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#include "blas.h"
#include "common.h"

namespace airy {
namespace mft {
namespace {

// Both kernels for one transform. X: npupX x npixX. Y: npixY x npupY, with the
// normalisation folded in so the GEMMs produce the final scale directly.
template <typename R>
struct Kernels {
  AlignedBuffer<std::complex<R>> x, y;
};

// Pixel coordinate of sample i in a plane of n samples, in units of the step,
// for each centring convention (POPPY's matrixDFT).
double coord(int i, int n, Centering c, double offset) {
  switch (c) {
    case Centering::FftStyle:
      return i - n / 2.0;
    case Centering::Symmetric:
      return i - n / 2.0 + 0.5;
    default:
      return i - n / 2.0 + 0.5 - offset;
  }
}

// exp(sign * 2*pi*i * a * b) computed with argument reduction so that large
// products stay accurate to double precision before any narrowing.
std::complex<double> cis(double sign, double ab) {
  double frac = ab - std::round(ab);
  double ang = sign * 2.0 * M_PI * frac;
  return {std::cos(ang), std::sin(ang)};
}

// out[j] = scale * exp(sign * 2*pi*i * (alpha*j + beta)) for j < n, from two
// short tables of directly evaluated exponentials (j = jh*B + jl):
// exp(..(alpha*B*jh + beta)) * exp(..alpha*jl). Each factor is accurate to an
// ulp or so (argument-reduced cis), so each product is too; it costs one
// complex multiply per element instead of a sine and a cosine.
template <typename R>
void cisRow(double sign, double alpha, double beta, double scale, int n, std::complex<R>* out,
            std::vector<std::complex<double>>& lo, std::vector<std::complex<double>>& hi) {
  constexpr int B = 32;
  const int nh = (n + B - 1) / B;
  lo.resize(B);
  hi.resize(nh);
  for (int jl = 0; jl < B; ++jl) lo[jl] = cis(sign, alpha * jl);
  for (int jh = 0; jh < nh; ++jh) hi[jh] = cis(sign, alpha * (static_cast<double>(jh) * B) + beta) * scale;
  for (int j = 0; j < n; ++j) {
    const std::complex<double> c = hi[j / B] * lo[j % B];
    out[j] = {static_cast<R>(c.real()), static_cast<R>(c.imag())};
  }
}

template <typename R>
std::shared_ptr<Kernels<R>> build(const Params& p) {
  // Input step (dX) and output step (dU) in cycles: the forward transform
  // samples the output in lambda/D, the inverse samples the input.
  const double dX = p.inverse ? p.nlamDX / p.npupX : 1.0 / p.npupX;
  const double dY = p.inverse ? p.nlamDY / p.npupY : 1.0 / p.npupY;
  const double dU = p.inverse ? 1.0 / p.npixX : p.nlamDX / p.npixX;
  const double dV = p.inverse ? 1.0 / p.npixY : p.nlamDY / p.npixY;
  // Forward: exp(+2*pi*i*x*u) (POPPY >= 1.0); inverse: exp(-2*pi*i*x*u).
  const double sign = p.inverse ? -1.0 : 1.0;
  const double norm =
      std::sqrt((p.nlamDY * p.nlamDX) / (static_cast<double>(p.npupY) * p.npupX * p.npixY * p.npixX));
  // The offset moves the output grid; the input grid is never shifted.
  auto k = std::make_shared<Kernels<R>>();
  k->x = AlignedBuffer<std::complex<R>>(static_cast<size_t>(p.npupX) * p.npixX);
  k->y = AlignedBuffer<std::complex<R>>(static_cast<size_t>(p.npixY) * p.npupY);
  std::vector<std::complex<double>> lo, hi;
  for (int i = 0; i < p.npupX; ++i) {
    // Row i: phase x_i * u_j = alpha*j + beta cycles, u_j = (j + c0) * dU.
    const double xi = coord(i, p.npupX, p.centering, 0.0) * dX;
    const double c0 = coord(0, p.npixX, p.centering, p.offsetX);
    cisRow(sign, xi * dU, xi * dU * c0, 1.0, p.npixX, k->x.data() + static_cast<size_t>(i) * p.npixX, lo, hi);
  }
  for (int r = 0; r < p.npixY; ++r) {
    const double vr = coord(r, p.npixY, p.centering, p.offsetY) * dV;
    const double c0 = coord(0, p.npupY, p.centering, 0.0);
    cisRow(sign, vr * dY, vr * dY * c0, norm, p.npupY, k->y.data() + static_cast<size_t>(r) * p.npupY, lo,
           hi);
  }
  return k;
}

using Key = std::tuple<int, int, int, int, double, double, int, double, double, bool, bool>;

Key keyOf(const Params& p, bool single) {
  return Key{p.npupY,   p.npupX,   p.npixY,   p.npixX, p.nlamDY, p.nlamDX, static_cast<int>(p.centering),
             p.offsetY, p.offsetX, p.inverse, single};
}

struct Entry {
  Key key;
  std::shared_ptr<void> kernels;
  size_t bytes;
};

struct Cache {
  std::mutex mutex;
  std::list<Entry> lru;  // front = most recently used
  size_t bytes = 0;
  size_t limit = size_t(512) << 20;
  size_t hits = 0, misses = 0;

  void trim() {
    while (bytes > limit && lru.size() > 1) {
      bytes -= lru.back().bytes;
      lru.pop_back();
    }
  }
};

Cache& cache() {
  static Cache c;
  return c;
}

template <typename R>
std::shared_ptr<Kernels<R>> kernels(const Params& p) {
  const Key key = keyOf(p, std::is_same<R, float>::value);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    for (auto it = c.lru.begin(); it != c.lru.end(); ++it) {
      if (it->key == key) {
        c.lru.splice(c.lru.begin(), c.lru, it);
        c.hits++;
        return std::static_pointer_cast<Kernels<R>>(c.lru.front().kernels);
      }
    }
    c.misses++;
  }
  // Built outside the lock; a concurrent builder of the same key wastes work
  // but stays correct, and the re-check below keeps one copy.
  auto k = build<R>(p);
  const size_t bytes = (k->x.size() + k->y.size()) * sizeof(std::complex<R>);
  std::lock_guard<std::mutex> lock(c.mutex);
  for (auto& e : c.lru)
    if (e.key == key) return std::static_pointer_cast<Kernels<R>>(e.kernels);
  c.lru.push_front(Entry{key, k, bytes});
  c.bytes += bytes;
  c.trim();
  return k;
}

void check(const Params& p) {
  AIRY_ASSERT(p.npupY > 0 && p.npupX > 0 && p.npixY > 0 && p.npixX > 0, "mft: sizes must be positive");
  AIRY_ASSERT(p.inStride == 0 || p.inStride >= p.npupX, "mft: input stride below width");
  AIRY_ASSERT(std::isfinite(p.nlamDY) && std::isfinite(p.nlamDX) && p.nlamDY > 0 && p.nlamDX > 0,
              "mft: nlamD must be positive and finite");
}

// NaN or Inf in the input reaches the output through the GEMMs; checking the
// (small) output catches it without a pass over the (large) input.
template <typename R>
void checkFinite(std::complex<R>* out, size_t n) {
  if (!scaleAndCheck(reinterpret_cast<R*>(out), 2 * n, R(1)))
    throw Error("ERR_AIRY_NONFINITE", "mft: input contains NaN or Infinity");
}

// The GEMM intermediate t of one transform, reused by the calling thread
// from call to call (a fresh multi-megabyte buffer per call costs page faults
// in every call); above kKeepBytes it is allocated per call instead.
template <typename C>
class Intermediate {
 public:
  explicit Intermediate(size_t n) {
    constexpr size_t kKeepBytes = size_t(32) << 20;
    if (n * sizeof(C) > kKeepBytes) {
      own_ = AlignedBuffer<C>(n);
      p_ = own_.data();
      return;
    }
    p_ = threadBuffer<C, Intermediate>(n);
  }
  C* data() { return p_; }

 private:
  AlignedBuffer<C> own_;
  C* p_ = nullptr;
};

}  // namespace

template <typename R>
void transform(const Params& p, const std::complex<R>* in, std::complex<R>* out) {
  check(p);
  auto k = kernels<R>(p);
  // t = in (npupY x npupX) * X (npupX x npixX); out = Y (npixY x npupY) * t.
  Intermediate<std::complex<R>> t(static_cast<size_t>(p.npupY) * p.npixX);
  blas::gemm<R>(p.npupY, p.npixX, p.npupX, in, k->x.data(), t.data(), p.inStride);
  blas::gemm<R>(p.npixY, p.npixX, p.npupY, k->y.data(), t.data(), out);
  checkFinite(out, static_cast<size_t>(p.npixY) * p.npixX);
}

// Whether an output axis's sample coordinates come in +/- pairs
// (coord(n-1-j) = -coord(j)): then the kernel columns for j and n-1-j are
// complex conjugates.
static bool mirrored(Centering c, double offset) {
  return c == Centering::Symmetric || (c == Centering::Adjustable && offset == 0.0);
}

// Whether a real ny x nx plane (row stride ld) equals its mirror image
// across its vertical axis (x -> -x) or horizontal axis (y -> -y), to 1e-13
// of its largest magnitude (rasterised and propagated symmetric pupils are
// symmetric to rounding).
template <typename R>
Mirror mirrorOf(const R* in, int ny, int nx, int ld) {
  // Four independent lanes per running maximum: floating-point max
  // reductions do not vectorise without fast-math, but independent chains
  // still overlap. `poison` turns NaN once any sample is NaN or Inf, which
  // must reach the general path that reports it.
  R big[4] = {}, dx[4] = {}, dy[4] = {}, poison = 0;
  for (int y = 0; y < (ny + 1) / 2; ++y) {  // rows y and ny-1-y together: each sample read once
    const R* row = in + static_cast<size_t>(y) * ld;
    const R* mirror = in + static_cast<size_t>(ny - 1 - y) * ld;
    for (int x = 0; x < nx; ++x) {
      const int l = x & 3;
      big[l] = std::max(big[l], std::max(std::abs(row[x]), std::abs(mirror[x])));
      dx[l] = std::max(
          dx[l], std::max(std::abs(row[x] - row[nx - 1 - x]), std::abs(mirror[x] - mirror[nx - 1 - x])));
      dy[l] = std::max(dy[l], std::abs(row[x] - mirror[x]));
      poison += row[x] * R(0) + mirror[x] * R(0);
    }
  }
  const auto most = [](const R* v) { return std::max(std::max(v[0], v[1]), std::max(v[2], v[3])); };
  const R tol = most(big) * R(1e-13);
  if (!(poison == 0) || !(most(dx) <= tol)) return Mirror::None;
  return most(dy) <= tol ? Mirror::XY : Mirror::X;
}

// Whether a complex ny x nx plane is even under u -> -u (columns), to 1e-13
// of its largest magnitude.
template <typename R>
bool evenInX(const std::complex<R>* in, int ny, int nx) {
  R big = 0, d = 0;
  for (size_t i = 0; i < static_cast<size_t>(ny) * nx; ++i) {
    if (!std::isfinite(in[i].real()) || !std::isfinite(in[i].imag()))
      return false;  // reported by the general path
    big = std::max(big, std::abs(in[i]));
  }
  for (int y = 0; y < ny; ++y) {
    const std::complex<R>* row = in + static_cast<size_t>(y) * nx;
    for (int x = 0; x < nx / 2; ++x) d = std::max(d, std::abs(row[x] - row[nx - 1 - x]));
  }
  return d <= big * R(1e-13);
}

// A real input symmetric under x -> -x, on mirrored grids: its transform is
// even in u, and t = in * X is real (X's rows for x and -x are conjugates),
// so only the first half of the input columns enter, against 2 Re X, and
// only the first half of t's columns are needed. With the input also
// symmetric under y -> -y the output is real and only half of t's rows
// enter, against 2 Re Y. out(ny-1-v, u) = conj(out(v, u)) fills the rest.
template <typename R>
void transformMirrored(const Params& p, const Kernels<R>& k, const R* in, bool inY, std::complex<R>* out) {
  using C = std::complex<R>;
  const int nx = p.npixX, ny = p.npixY, hu = (nx + 1) / 2, hv = (ny + 1) / 2;
  const int kx = (p.npupX + 1) / 2, ky = inY ? (p.npupY + 1) / 2 : p.npupY;
  const auto weight = [](int i, int n, bool fold) { return fold && 2 * i + 1 != n ? R(2) : R(1); };
  // The folded kernels and the product live in the calling thread's buffers.
  struct XcTag;
  struct YyTag;
  struct OTag;
  R* xc = threadBuffer<R, XcTag>(static_cast<size_t>(kx) * hu);
  for (int i = 0; i < kx; ++i)
    for (int j = 0; j < hu; ++j)
      xc[static_cast<size_t>(i) * hu + j] =
          weight(i, p.npupX, true) * k.x.data()[static_cast<size_t>(i) * nx + j].real();
  Intermediate<R> t(static_cast<size_t>(ky) * hu);
  blas::rgemm(ky, hu, kx, in, xc, t.data(), p.inStride ? p.inStride : p.npupX);
  // Rows: Re Y for v < hv, then Im Y (absent when the output is real).
  const int parts = inY ? 1 : 2;
  R* yy = threadBuffer<R, YyTag>(static_cast<size_t>(parts) * hv * ky);
  R* o = threadBuffer<R, OTag>(static_cast<size_t>(parts) * hv * hu);
  for (int v = 0; v < hv; ++v)
    for (int y = 0; y < ky; ++y) {
      const C c = k.y.data()[static_cast<size_t>(v) * p.npupY + y];
      yy[static_cast<size_t>(v) * ky + y] = weight(y, p.npupY, inY) * c.real();
      if (!inY) yy[static_cast<size_t>(hv + v) * ky + y] = c.imag();
    }
  blas::rgemm(parts * hv, hu, ky, yy, t.data(), o);
  for (int v = 0; v < hv; ++v)
    for (int u = 0; u < hu; ++u) {
      const size_t i = static_cast<size_t>(v) * hu + u;
      const C c(o[i], inY ? R(0) : o[static_cast<size_t>(hv) * hu + i]);
      out[static_cast<size_t>(v) * nx + u] = out[static_cast<size_t>(v) * nx + nx - 1 - u] = c;
      out[static_cast<size_t>(ny - 1 - v) * nx + u] = out[static_cast<size_t>(ny - 1 - v) * nx + nx - 1 - u] =
          std::conj(c);
    }
}

template <typename R>
void transformReal(const Params& p, const R* in, std::complex<R>* out) {
  check(p);
  auto k = kernels<R>(p);
  if (p.centering != Centering::FftStyle && mirrored(p.centering, p.offsetX) &&
      mirrored(p.centering, p.offsetY)) {
    const Mirror m = p.mirror != Mirror::Unknown
                         ? p.mirror
                         : mirrorOf(in, p.npupY, p.npupX, p.inStride ? p.inStride : p.npupX);
    if (m != Mirror::None) {
      transformMirrored(p, *k, in, m == Mirror::XY, out);
      checkFinite(out, static_cast<size_t>(p.npixY) * p.npixX);
      return;
    }
  }
  using C = std::complex<R>;
  const int nx = p.npixX, ny = p.npixY;
  Intermediate<C> t(static_cast<size_t>(p.npupY) * nx);
  // Viewing the interleaved complex X as a real npupX x (2*npixX) matrix, the
  // real product in * X is exactly the interleaved complex t.
  const R* x = reinterpret_cast<const R*>(k->x.data());
  R* tr = reinterpret_cast<R*>(t.data());
  // A real input has a Hermitian transform. On a mirrored output grid the
  // columns j and nx-1-j of t are conjugates (X's are, and the input is
  // real): half the columns are computed, the rest copied.
  const bool symX = mirrored(p.centering, p.offsetX);
  if (symX) {
    const int h = (nx + 1) / 2;
    blas::rgemm(p.npupY, 2 * h, p.npupX, in, x, tr, p.inStride, 2 * nx, 2 * nx);
    for (int y = 0; y < p.npupY; ++y) {
      C* row = t.data() + static_cast<size_t>(y) * nx;
      for (int j = 0; j < nx - h; ++j) row[nx - 1 - j] = std::conj(row[j]);
    }
  } else {
    blas::rgemm(p.npupY, 2 * nx, p.npupX, in, x, tr, p.inStride);
  }
  // With both axes mirrored, out(ny-1-v, nx-1-u) = conj(out(v, u)): the
  // first half of the rows are computed, the rest copied.
  if (symX && mirrored(p.centering, p.offsetY)) {
    const int hv = (ny + 1) / 2;
    blas::gemm<R>(hv, nx, p.npupY, k->y.data(), t.data(), out);
    for (int v = hv; v < ny; ++v) {
      const C* src = out + static_cast<size_t>(ny - 1 - v) * nx;
      C* dst = out + static_cast<size_t>(v) * nx;
      for (int u = 0; u < nx; ++u) dst[u] = std::conj(src[nx - 1 - u]);
    }
  } else {
    blas::gemm<R>(ny, nx, p.npupY, k->y.data(), t.data(), out);
  }
  checkFinite(out, static_cast<size_t>(ny) * nx);
}

namespace {
// The real-output counterpart of checkFinite, over rows of stride ldc.
template <typename R>
void checkRows(R* out, int ny, int nx, int ldc) {
  for (int r = 0; r < ny; ++r)
    if (!scaleAndCheck(out + static_cast<size_t>(r) * ldc, nx, R(1)))
      throw Error("ERR_AIRY_NONFINITE", "mft: input contains NaN or Infinity");
}
}  // namespace

// transformHermitian for an input also even in u (its output is even in x):
// t = in * X over the first half of the input columns against 2 Re X, and
// only the first half of the output columns.
template <typename R>
void hermitianMirrored(const Params& p, const Kernels<R>& k, const std::complex<R>* in, R* out, int ldc) {
  using C = std::complex<R>;
  const int my = p.npupY, mx = p.npupX, nx = p.npixX, ny = p.npixY;
  const int h = (my + 1) / 2, ku = (mx + 1) / 2, hx = (nx + 1) / 2;
  const auto weight = [](int i, int n) { return 2 * i + 1 == n ? R(1) : R(2); };
  std::vector<R> f(static_cast<size_t>(2) * h * ku), xr(static_cast<size_t>(ku) * hx);
  for (int v = 0; v < h; ++v)
    for (int u = 0; u < ku; ++u) {
      const C c = in[static_cast<size_t>(v) * mx + u];
      f[static_cast<size_t>(v) * ku + u] = c.real();
      f[static_cast<size_t>(h + v) * ku + u] = c.imag();
    }
  for (int u = 0; u < ku; ++u)
    for (int x = 0; x < hx; ++x)
      xr[static_cast<size_t>(u) * hx + x] =
          weight(u, mx) * k.x.data()[static_cast<size_t>(u) * nx + x].real();
  std::vector<R> t(static_cast<size_t>(2) * h * hx), a(static_cast<size_t>(ny) * 2 * h);
  blas::rgemm(2 * h, hx, ku, f.data(), xr.data(), t.data());  // [Re t; Im t]
  for (int r = 0; r < ny; ++r)
    for (int v = 0; v < h; ++v) {
      const C y = k.y.data()[static_cast<size_t>(r) * my + v];
      a[static_cast<size_t>(r) * 2 * h + v] = weight(v, my) * y.real();
      a[static_cast<size_t>(r) * 2 * h + h + v] = -weight(v, my) * y.imag();
    }
  blas::rgemm(ny, hx, 2 * h, a.data(), t.data(), out, 2 * h, hx, ldc);
  for (int r = 0; r < ny; ++r) {
    R* row = out + static_cast<size_t>(r) * ldc;
    for (int x = hx; x < nx; ++x) row[x] = row[nx - 1 - x];
  }
}

template <typename R>
void transformHermitian(const Params& p, const std::complex<R>* in, R* out, int outStride) {
  check(p);
  AIRY_ASSERT(p.centering != Centering::FftStyle && p.inStride == 0,
              "mft: Hermitian input needs a mirrored grid");
  auto k = kernels<R>(p);
  using C = std::complex<R>;
  const int my = p.npupY, nx = p.npixX, ny = p.npixY;
  if (mirrored(p.centering, p.offsetX) && evenInX(in, my, p.npupX)) {
    const int ldc = outStride ? outStride : nx;
    hermitianMirrored(p, *k, in, out, ldc);
    checkRows(out, ny, nx, ldc);
    return;
  }
  // Rows v and my-1-v of t = in * X are conjugates (X's rows for u and -u
  // are, and the input is Hermitian): out = Re(sum over the first h rows of
  // w_v * Y[:, v] * t[v, :]), w_v = 2, or 1 for a middle row.
  const int h = (my + 1) / 2;
  Intermediate<C> t(static_cast<size_t>(h) * nx);
  blas::gemm<R>(h, nx, p.npupX, in, k->x.data(), t.data());
  // Re(A B) = [Re A, -Im A] [Re B; Im B], both as real matrices.
  std::vector<R> a(static_cast<size_t>(ny) * 2 * h), b(static_cast<size_t>(2) * h * nx);
  for (int r = 0; r < ny; ++r) {
    const C* y = k->y.data() + static_cast<size_t>(r) * my;
    R* ar = a.data() + static_cast<size_t>(r) * 2 * h;
    for (int v = 0; v < h; ++v) {
      const R w = (2 * v + 1 == my) ? R(1) : R(2);
      ar[v] = w * y[v].real();
      ar[h + v] = -w * y[v].imag();
    }
  }
  for (int v = 0; v < h; ++v)
    for (int j = 0; j < nx; ++j) {
      const C c = t.data()[static_cast<size_t>(v) * nx + j];
      b[static_cast<size_t>(v) * nx + j] = c.real();
      b[static_cast<size_t>(h + v) * nx + j] = c.imag();
    }
  const int ldc = outStride ? outStride : nx;
  blas::rgemm(ny, nx, 2 * h, a.data(), b.data(), out, 2 * h, nx, ldc);
  checkRows(out, ny, nx, ldc);
}

template Mirror mirrorOf<double>(const double*, int, int, int);
template Mirror mirrorOf<float>(const float*, int, int, int);
template void transform<double>(const Params&, const std::complex<double>*, std::complex<double>*);
template void transform<float>(const Params&, const std::complex<float>*, std::complex<float>*);
template void transformReal<double>(const Params&, const double*, std::complex<double>*);
template void transformReal<float>(const Params&, const float*, std::complex<float>*);
template void transformHermitian<double>(const Params&, const std::complex<double>*, double*, int);
template void transformHermitian<float>(const Params&, const std::complex<float>*, float*, int);

CacheStats cacheStats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return CacheStats{c.lru.size(), c.bytes, c.hits, c.misses};
}

void clearCache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.lru.clear();
  c.bytes = 0;
}

void lockForFork() { cache().mutex.lock(); }
void unlockAfterFork() { cache().mutex.unlock(); }
void resetInChild() { new (&cache().mutex) std::mutex(); }

}  // namespace mft
}  // namespace airy

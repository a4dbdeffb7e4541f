#include "special.h"

#include <cmath>

namespace airy {
namespace special {
namespace {

constexpr double kPi = 3.14159265358979323846;

// sum_k (-1)^k (x/2)^(2k+n) / (k! (k+n)!): exact to rounding while the terms
// do not cancel (x below ~12, or below n).
double series(int n, double x) {
  double term = 1;
  for (int k = 1; k <= n; ++k) term *= x / 2 / k;
  double sum = term;
  const double q = -(x * x) / 4;
  for (int k = 1; k < 200; ++k) {
    term *= q / (k * static_cast<double>(k + n));
    sum += term;
    if (std::abs(term) < 1e-17 * std::abs(sum)) break;
  }
  return sum;
}

// Hankel's asymptotic expansion for x >= 12, order n (mu = 4 n^2).
double asymptotic(int n, double x) {
  const double mu = 4.0 * n * n;
  double p = 1, q = 0, term = 1;
  for (int k = 1; k < 20 && std::abs(term) > 1e-17; ++k) {
    term *= (mu - (2.0 * k - 1) * (2.0 * k - 1)) / (k * 8 * x);
    if (k % 2 == 1)
      q += (k % 4 == 1 ? 1 : -1) * term;
    else
      p += (k % 4 == 2 ? -1 : 1) * term;
  }
  const double w = x - (n / 2.0 + 0.25) * kPi;
  return std::sqrt(2 / (kPi * x)) * (p * std::cos(w) - q * std::sin(w));
}

}  // namespace

double besselJ0(double x) {
  const double ax = std::abs(x);
  return ax < 12 ? series(0, ax) : asymptotic(0, ax);
}

double besselJ1(double x) {
  const double ax = std::abs(x);
  const double v = ax < 12 ? series(1, ax) : asymptotic(1, ax);
  return x < 0 ? -v : v;
}

double besselJn(int n, double x) {
  if (n == 0) return besselJ0(x);
  if (n == 1) return besselJ1(x);
  const double ax = std::abs(x);
  double v;
  if (ax <= n || ax < 12) {
    v = series(n, ax);
  } else {
    double a = besselJ0(ax), b = besselJ1(ax);
    for (int k = 1; k < n; ++k) {
      const double c = 2 * k / ax * b - a;
      a = b;
      b = c;
    }
    v = b;
  }
  return x < 0 && n % 2 ? -v : v;
}

}  // namespace special
}  // namespace airy

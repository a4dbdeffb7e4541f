// Bessel functions of the first kind, for analytic mask transforms and
// band-limited masks (about 1e-10 relative to their envelope).
#pragma once

namespace airy {
namespace special {

double besselJ0(double x);
double besselJ1(double x);
// Integer order n >= 0: series below x = n, upward recurrence from J0, J1 above.
double besselJn(int n, double x);

}  // namespace special
}  // namespace airy

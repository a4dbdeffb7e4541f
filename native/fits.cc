#include "fits.h"

#include <fitsio.h>

#include <string>

namespace airy {
namespace fits {

std::string version() {
  float v = 0;
  fits_get_version(&v);
  // CFITSIO encodes major.minor as a float (4.02 = 4.2.x, 3.47 = 3.47).
  int major = static_cast<int>(v);
  int minor = static_cast<int>((v - major) * 100.0f + 0.5f);
  return std::to_string(major) + "." + std::to_string(minor);
}

}  // namespace fits
}  // namespace airy

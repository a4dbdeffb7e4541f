// FITS I/O through CFITSIO, the field's standard library.
#pragma once

#include <string>

namespace airy {
namespace fits {

// CFITSIO's version, e.g. "4.2.0".
std::string version();

}  // namespace fits
}  // namespace airy

// FITS I/O through CFITSIO, the field's standard library.
#pragma once

#include <string>
#include <vector>

namespace airy {
namespace fits {

// CFITSIO's version, e.g. "4.2".
std::string version();

// One header card: a number, a string or a logical.
struct Card {
  enum class Kind { Number, String, Logical } kind = Kind::Number;
  std::string key;
  double number = 0;
  std::string text;
  bool logical = false;
  std::string comment;
};

// A 2D image HDU.
struct Image {
  int ny = 0, nx = 0;
  int nz = 1;                // planes of a cube (FITS NAXIS3, when > 1)
  std::vector<double> data;  // row-major, axis 0 = y (FITS NAXIS2); plane by plane for a cube
  std::vector<Card> cards;   // user keywords (structural ones excluded on read)
  std::string extname;
};

// Reads HDU `hdu` (0 = primary), a 2D image or a 3D cube, as doubles. Throws airy::Error
// (ERR_AIRY_FITS) naming the file and CFITSIO's reason.
Image read(const std::string& path, int hdu);

// CFITSIO's checksum verification of every HDU: for each, whether DATASUM
// and CHECKSUM are present and match (1), absent (0) or wrong (-1).
struct Check {
  int dataOk = 0, hduOk = 0;
};
std::vector<Check> verify(const std::string& path);

// Writes the images as primary HDU + image extensions (64-bit floats),
// replacing `path` atomically (written to a temporary file, then renamed).
void write(const std::string& path, const std::vector<Image>& hdus);

}  // namespace fits
}  // namespace airy

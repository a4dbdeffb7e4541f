#include "fits.h"

#include <fitsio.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "common.h"

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

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, int status) {
  const int sysErr = errno;  // a write that ran out of room (ENOSPC, EFBIG) says so only here
  char text[FLEN_STATUS] = {0};
  fits_get_errstatus(status, text);
  // Drain CFITSIO's message stack so a later call does not report stale text.
  char msg[FLEN_ERRMSG];
  std::string detail;
  while (fits_read_errmsg(msg)) {
    if (detail.empty()) detail = msg;
  }
  std::string m = what + " " + path + ": " + text;
  if (status == WRITE_ERROR && sysErr != 0)
    m += ": " + std::string(std::strerror(sysErr));
  else if (!detail.empty() && detail != text)
    m += " (" + detail + ")";
  throw Error("ERR_AIRY_FITS", m);
}

// Closes the file on every path out.
struct File {
  fitsfile* f = nullptr;
  ~File() {
    int s = 0;
    if (f) fits_close_file(f, &s);
  }
};

// Removes a temporary file on every path out unless it was kept (renamed into place).
struct TempFile {
  std::string path;
  bool kept = false;
  ~TempFile() {
    if (!kept) std::remove(path.c_str());
  }
};

bool structural(const std::string& key) {
  static const char* skip[] = {"SIMPLE", "BITPIX",   "NAXIS",   "NAXIS1", "NAXIS2", "NAXIS3",
                               "EXTEND", "XTENSION", "PCOUNT",  "GCOUNT", "BSCALE", "BZERO",
                               "END",    "COMMENT",  "HISTORY", ""};
  for (const char* s : skip)
    if (key == s) return true;
  return false;
}

}  // namespace

Image read(const std::string& path, int hdu) {
  File file;
  int status = 0;
  if (fits_open_file(&file.f, path.c_str(), READONLY, &status)) fail("cannot open", path, status);
  int type = 0;
  if (fits_movabs_hdu(file.f, hdu + 1, &type, &status))
    fail("no HDU " + std::to_string(hdu) + " in", path, status);
  if (type != IMAGE_HDU)
    throw Error("ERR_AIRY_FITS", "HDU " + std::to_string(hdu) + " of " + path + " is a table, not an image");
  int naxis = 0;
  long naxes[3] = {0, 0, 0};
  if (fits_get_img_dim(file.f, &naxis, &status)) fail("cannot read", path, status);
  if (naxis != 2 && naxis != 3)
    throw Error("ERR_AIRY_FITS", path + " holds a " + std::to_string(naxis) +
                                     "-dimensional image; a 2D image or a 3D cube is required");
  if (fits_get_img_size(file.f, naxis, naxes, &status)) fail("cannot read", path, status);
  Image img;
  img.nx = static_cast<int>(naxes[0]);
  img.ny = static_cast<int>(naxes[1]);
  img.nz = naxis == 3 ? static_cast<int>(naxes[2]) : 1;
  if (img.nx <= 0 || img.ny <= 0 || img.nz <= 0) throw Error("ERR_AIRY_FITS", path + " holds an empty image");
  img.data.resize(static_cast<size_t>(img.nx) * img.ny * img.nz);
  long first[3] = {1, 1, 1};
  int anynul = 0;
  double nul = 0;
  if (fits_read_pix(file.f, TDOUBLE, first, static_cast<LONGLONG>(img.data.size()), &nul, img.data.data(),
                    &anynul, &status))
    fail("cannot read pixels of", path, status);
  int nkeys = 0;
  if (fits_get_hdrspace(file.f, &nkeys, nullptr, &status)) fail("cannot read header of", path, status);
  for (int i = 1; i <= nkeys; ++i) {
    char key[FLEN_KEYWORD], value[FLEN_VALUE], comment[FLEN_COMMENT];
    if (fits_read_keyn(file.f, i, key, value, comment, &status)) fail("cannot read header of", path, status);
    std::string k = key;
    if (structural(k)) continue;
    if (k == "EXTNAME") {
      char s[FLEN_VALUE];
      int st = 0;
      fits_read_key_str(file.f, "EXTNAME", s, nullptr, &st);
      img.extname = s;
      continue;
    }
    Card c;
    c.key = k;
    c.comment = comment;
    char dtype = 0;
    int st = 0;
    if (value[0] == '\0') continue;
    fits_get_keytype(value, &dtype, &st);
    if (dtype == 'C') {
      char* s = nullptr;
      st = 0;
      fits_read_key_longstr(file.f, key, &s, nullptr, &st);  // CONTINUE cards too
      if (st || !s) continue;
      c.kind = Card::Kind::String;
      c.text = s;
      fits_free_memory(s, &st);
    } else if (dtype == 'L') {
      c.kind = Card::Kind::Logical;
      c.logical = value[0] == 'T';
    } else if (dtype == 'I' || dtype == 'F') {
      c.kind = Card::Kind::Number;
      c.number = std::strtod(value, nullptr);
    } else {
      continue;
    }
    img.cards.push_back(c);
  }
  return img;
}

std::vector<Check> verify(const std::string& path) {
  File file;
  int status = 0;
  if (fits_open_file(&file.f, path.c_str(), READONLY, &status)) fail("cannot open", path, status);
  int n = 0;
  if (fits_get_num_hdus(file.f, &n, &status)) fail("cannot read", path, status);
  std::vector<Check> out;
  for (int i = 1; i <= n; ++i) {
    int type = 0;
    if (fits_movabs_hdu(file.f, i, &type, &status)) fail("cannot read", path, status);
    Check c;
    if (fits_verify_chksum(file.f, &c.dataOk, &c.hduOk, &status)) fail("cannot verify", path, status);
    out.push_back(c);
  }
  return out;
}

void write(const std::string& path, const std::vector<Image>& hdus) {
  AIRY_ASSERT(!hdus.empty(), "fits::write: no HDUs");
  TempFile staged{path + ".tmp-" + std::to_string(reinterpret_cast<uintptr_t>(&hdus))};
  const std::string& tmp = staged.path;
  std::remove(tmp.c_str());
  {
    File file;
    int status = 0;
    errno = 0;
    if (fits_create_file(&file.f, tmp.c_str(), &status)) fail("cannot create", path, status);
    for (const Image& img : hdus) {
      long naxes[3] = {img.nx, img.ny, img.nz};
      if (fits_create_img(file.f, DOUBLE_IMG, img.nz > 1 ? 3 : 2, naxes, &status))
        fail("cannot write", path, status);
      if (!img.extname.empty())
        fits_update_key_str(file.f, "EXTNAME", const_cast<char*>(img.extname.c_str()), nullptr, &status);
      for (const Card& c : img.cards) {
        char* comment = c.comment.empty() ? nullptr : const_cast<char*>(c.comment.c_str());
        switch (c.kind) {
          case Card::Kind::Number: {
            double v = c.number;
            if (v == static_cast<double>(static_cast<long long>(v)) && std::abs(v) < 9e15) {
              long long iv = static_cast<long long>(v);
              fits_update_key_lng(file.f, c.key.c_str(), iv, comment, &status);
            } else {
              fits_update_key_dbl(file.f, c.key.c_str(), v, -17, comment, &status);  // round-trips exactly
            }
            break;
          }
          case Card::Kind::String:
            fits_update_key_longstr(file.f, c.key.c_str(), c.text.c_str(), comment, &status);
            break;
          case Card::Kind::Logical:
            fits_update_key_log(file.f, c.key.c_str(), c.logical ? 1 : 0, comment, &status);
            break;
        }
        if (status) fail("cannot write keyword " + c.key + " to", path, status);
      }
      long first[3] = {1, 1, 1};
      if (fits_write_pix(file.f, TDOUBLE, first, static_cast<LONGLONG>(img.data.size()),
                         const_cast<double*>(img.data.data()), &status))
        fail("cannot write pixels to", path, status);
      if (fits_write_chksum(file.f, &status)) fail("cannot write checksum to", path, status);
    }
    fitsfile* f = file.f;
    file.f = nullptr;  // closed once, here
    if (fits_close_file(f, &status)) fail("cannot close", path, status);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw Error("ERR_AIRY_FITS", "cannot rename the written file to " + path + ": " + std::strerror(errno));
  staged.kept = true;
}

}  // namespace fits
}  // namespace airy

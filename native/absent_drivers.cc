// The prebuilt addon links CFITSIO statically, without libcurl (CFITSIO's
// https driver) and without libbz2 (its .bz2 reader), whose Debian archives
// cannot go into a shared object. CFITSIO references these functions; here
// they fail, so an https:// name or a .bz2 file is a CFITSIO error ("cannot
// open") instead of an unresolved symbol. Plain and gzip-compressed local
// files, what airy reads and writes, never reach them.
#ifdef AIRY_ABSENT_DRIVERS

#include <cstdio>

extern "C" {
// libcurl: CURLE_FAILED_INIT from every call.
void* curl_easy_init() { return nullptr; }
int curl_easy_setopt(void*, int, ...) { return 2; }
int curl_easy_perform(void*) { return 2; }
void curl_easy_cleanup(void*) {}
int curl_global_init(long) { return 2; }
void curl_global_cleanup() {}

// libbz2: BZ_CONFIG_ERROR from every call.
constexpr int kBzConfigError = -9;
void* BZ2_bzReadOpen(int* bzerror, FILE*, int, int, void*, int) {
  if (bzerror) *bzerror = kBzConfigError;
  return nullptr;
}
int BZ2_bzRead(int* bzerror, void*, void*, int) {
  if (bzerror) *bzerror = kBzConfigError;
  return 0;
}
void BZ2_bzReadClose(int* bzerror, void*) {
  if (bzerror) *bzerror = kBzConfigError;
}
}

#endif

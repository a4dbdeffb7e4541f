#include "cpu.h"

#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace airy {
namespace cpu {
namespace {

Info probe() {
  Info in;
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(0, &a, &b, &c, &d)) {
    char v[13] = {0};
    std::memcpy(v, &b, 4);
    std::memcpy(v + 4, &d, 4);
    std::memcpy(v + 8, &c, 4);
    in.vendor = v;
  }
  char brand[49] = {0};
  if (__get_cpuid(0x80000000, &a, &b, &c, &d) && a >= 0x80000004) {
    for (unsigned i = 0; i < 3; ++i) {
      __get_cpuid(0x80000002 + i, &a, &b, &c, &d);
      std::memcpy(brand + 16 * i, &a, 4);
      std::memcpy(brand + 16 * i + 4, &b, 4);
      std::memcpy(brand + 16 * i + 8, &c, 4);
      std::memcpy(brand + 16 * i + 12, &d, 4);
    }
    std::string s = brand;
    auto first = s.find_first_not_of(' ');
    auto last = s.find_last_not_of(' ');
    in.model = first == std::string::npos ? "" : s.substr(first, last - first + 1);
  }
  __builtin_cpu_init();
#define AIRY_FEATURE(name, label) \
  if (__builtin_cpu_supports(name)) in.features.push_back(label);
  AIRY_FEATURE("sse2", "sse2")
  AIRY_FEATURE("sse3", "sse3")
  AIRY_FEATURE("ssse3", "ssse3")
  AIRY_FEATURE("sse4.1", "sse4_1")
  AIRY_FEATURE("sse4.2", "sse4_2")
  AIRY_FEATURE("avx", "avx")
  AIRY_FEATURE("fma", "fma")
  AIRY_FEATURE("avx2", "avx2")
  AIRY_FEATURE("avx512f", "avx512f")
  AIRY_FEATURE("avx512dq", "avx512dq")
  AIRY_FEATURE("avx512cd", "avx512cd")
  AIRY_FEATURE("avx512bw", "avx512bw")
  AIRY_FEATURE("avx512vl", "avx512vl")
  AIRY_FEATURE("avx512bf16", "avx512_bf16")
#undef AIRY_FEATURE
#endif
  return in;
}

}  // namespace

const Info& info() {
  static const Info in = probe();
  return in;
}

}  // namespace cpu
}  // namespace airy

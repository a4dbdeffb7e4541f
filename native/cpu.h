// What the CPU itself reports (CPUID on x86), independent of any library.
#pragma once

#include <string>
#include <vector>

namespace airy {
namespace cpu {

struct Info {
  std::string vendor;                 // GenuineIntel, AuthenticAMD, ... ("" off x86)
  std::string model;                  // brand string
  std::vector<std::string> features;  // e.g. sse4_2 avx avx2 fma avx512f ...
};

const Info& info();

}  // namespace cpu
}  // namespace airy

// Memory shared with worker processes: files mapped by spawned workers, and
// anonymous blocks that forked children write their PSFs into.
#pragma once

#include <cstddef>

namespace airy {
namespace shm {

// True if [p, p + bytes) lies inside a block made by sharedBlock (MAP_SHARED,
// so a forked child's writes reach this process).
bool isSharedBlock(const void* p, size_t bytes);

}  // namespace shm
}  // namespace airy

#pragma once
// The end of the user half as Linux's access_ok and munmap see it (TASK_SIZE_MAX): 2^56 - 4 KiB where the
// CPU has 5-level paging (LA57; Debian's kernels then use it), else 2^47 - 4 KiB. A job's memory is far
// below either; this is only where Linux's answer for an address changes from "not mapped" to "invalid".
#include "cpu.hpp"

#include <stdint.h>

namespace ck {

inline uint64_t linux_task_size() {
    static const uint64_t size =
        (arch::cpuid(7).c & (1u << 16)) != 0 ? (uint64_t{1} << 56) - 4096 : (uint64_t{1} << 47) - 4096;
    return size;
}

// [addr, addr + len) is inside the user half, as access_ok says (an empty range at its end too).
inline bool user_range_ok(uint64_t addr, uint64_t len) {
    return addr <= linux_task_size() && len <= linux_task_size() - addr;
}

} // namespace ck

#pragma once
// The per-job syscall policy (docs/run.md, "Job start protocol"): private copies of the proxy's bitmaps
// over syscall numbers 0..511, taken when the job starts. route.hpp reads them.
#include "syscall_table.hpp"

#include <cokernel/job.h>
#include <stdint.h>

namespace ck {

static_assert(COKERNEL_JOB_NR_LIMIT == deleg::syscall_nr_limit, "the policy bitmaps cover the table");

struct SyscallPolicy {
    uint8_t delegate_native[COKERNEL_JOB_NR_LIMIT / 8] =
        {};                                       // native syscalls to send to the proxy (--delegate)
    uint8_t deny[COKERNEL_JOB_NR_LIMIT / 8] = {}; // syscalls to refuse with -EPERM (--deny)

    static constexpr bool bit(const uint8_t (&bits)[COKERNEL_JOB_NR_LIMIT / 8], uint64_t nr) {
        return nr < COKERNEL_JOB_NR_LIMIT && (bits[nr / 8] & (1u << (nr % 8))) != 0;
    }
    constexpr bool denies(uint64_t nr) const { return bit(deny, nr); }
    constexpr bool delegates(uint64_t nr) const { return bit(delegate_native, nr); }
};

} // namespace ck

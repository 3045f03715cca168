#pragma once
// A process's memory (docs/run.md, "The job space"): which of its addresses are in use (JobSpace,
// mm/job_space.hpp) over the job's memory as kernel/job_memory.hpp maps it (every page mapped up front, 2 MiB
// pages, free pages not present, the kernel's window onto the same bytes). One job at a time owns the lower
// half of the co-kernel's page tables, so the page-table side is job_memory's functions, not a member; the
// threads of one process share this object (CLONE_VM is the only kind of clone the co-kernel will take).
#include "job_memory.hpp"
#include "job_space.hpp"

#include <stdint.h>

namespace ck {

struct AddressSpace {
    JobSpace<> space; // 12 KiB: lives in the Process, never on a stack

    // A kernel pointer to [va, va + len) when all of it is in use (nullptr otherwise, or for len 0).
    uint8_t* ptr(uint64_t va, uint64_t len) const {
        return len != 0 && space.mapped(va, len) ? job_window(va, len) : nullptr;
    }
};

} // namespace ck

#pragma once
// A process's memory (docs/run.md, "The job space"): which of its addresses are in use (JobSpace,
// mm/job_space.hpp) over the job's memory as kernel/job_memory.hpp maps it (every page mapped up front, 2 MiB
// pages, free pages not present, the kernel's window onto the same bytes). One job at a time owns the lower
// half of the co-kernel's page tables, so the page-table side is job_memory's functions, not a member; the
// threads of one process share this object (CLONE_VM is the only kind of clone the co-kernel takes).
// lock serializes its changes, the page tables and the page allocator while the job runs; it is taken
// with interrupts open between tries (Spinlock::lock_with), since its holder may wait for this CPU to
// flush its TLB (a shootdown, proc/sched.hpp).
#include "job_memory.hpp"
#include "job_space.hpp"
#include "spinlock.hpp"

#include <stdint.h>

namespace ck {

void lock_interruptible(Spinlock& l); // kernel/job_memory.cpp

struct AddressSpace {
    JobSpace<> space; // 12 KiB: lives in the Process, never on a stack
    mutable Spinlock lock;

    // A kernel pointer to [va, va + len) when all of it is in use (nullptr otherwise, or for len 0). The
    // bytes stay the job's memory whatever another thread unmaps later (the window maps all of it).
    uint8_t* ptr(uint64_t va, uint64_t len) const {
        if (len == 0) {
            return nullptr;
        }
        lock_interruptible(lock);
        const bool in_use = space.mapped(va, len);
        lock.unlock();
        return in_use ? job_window(va, len) : nullptr;
    }
};

// Holds an address space's lock for a scope (memory syscalls).
class MemGuard {
  public:
    explicit MemGuard(const AddressSpace& m) : l_(m.lock) { lock_interruptible(l_); }
    MemGuard(const MemGuard&) = delete;
    MemGuard& operator=(const MemGuard&) = delete;
    ~MemGuard() { l_.unlock(); }

  private:
    Spinlock& l_;
};

} // namespace ck

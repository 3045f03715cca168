#pragma once
// Per-CPU data: one block per enclave CPU, at %gs:0 in ring 0 (GS_BASE; the entries from ring 3 swapgs to
// it). The SYSCALL entry (arch/x86_64/user.S) uses the first fields by the offsets of asm_offsets.h.
#include "asm_offsets.h"
#include "descriptors.hpp"

#include <stddef.h>
#include <stdint.h>

namespace ck {

struct Thread;

struct PerCpu {
    PerCpu* self;        // %gs:0
    uint64_t kernel_rsp; // %gs:8: top of the running thread's kernel stack (syscall_entry switches to it)
    uint64_t user_rsp;   // %gs:16: the thread's %rsp while syscall_entry saves it
    // The thread this CPU runs, from its entry to ring 3 until it ends; nullptr while the CPU runs its own
    // loop (idle, starting a job). The syscall path finds the thread and its process here.
    Thread* current;
    // This CPU's own context while a thread runs: user_enter saved it, user_leave returns to it (thread.cpp).
    // A scheduler (issue 9) switches between threads' kernel stacks instead and comes back here when this
    // CPU's run queue is empty.
    uint64_t own_rsp;
    uint32_t index;
    uint32_t apic_id;
    arch::CpuTables tables;
    alignas(16) uint8_t fault_stack[8192];
};

static_assert(offsetof(PerCpu, self) == PERCPU_SELF && offsetof(PerCpu, kernel_rsp) == PERCPU_KERNEL_RSP &&
                  offsetof(PerCpu, user_rsp) == PERCPU_USER_RSP,
              "user.S reads the per-CPU block at the offsets of asm_offsets.h");

inline PerCpu& this_cpu() {
    PerCpu* self = nullptr;
    asm volatile("movq %%gs:0, %0" : "=r"(self));
    return *self;
}

inline Thread* current_thread() {
    return this_cpu().current;
}

} // namespace ck

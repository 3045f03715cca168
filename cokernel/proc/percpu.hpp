#pragma once
// Per-CPU data: one block per enclave CPU, at %gs:0 in ring 0 (GS_BASE; the entries from ring 3 swapgs to
// it). The SYSCALL entry (arch/x86_64/user.S) uses the first fields by the offsets of asm_offsets.h.
#include "asm_offsets.h"
#include "descriptors.hpp"
#include "spinlock.hpp"

#include <stddef.h>
#include <stdint.h>

namespace ck {

struct Thread;

// The threads waiting for this CPU (proc/sched.cpp): runnable ones in FIFO order, and the blocked ones with
// a deadline (sleeps, timed futex waits), which its timer wakes. Under lock; only this CPU takes threads off
// its queue, other CPUs put woken threads on it and send it an IPI.
struct RunQueue {
    Spinlock lock;
    Thread* head = nullptr; // runnable, not running: the next to run
    Thread* tail = nullptr;
    uint32_t queued = 0;
    uint32_t assigned = 0;      // threads placed on this CPU and not ended (where new threads go: fewest)
    Thread* sleepers = nullptr; // blocked with a deadline (Thread::wake_tsc), unordered
    uint64_t timer_tsc = 0;     // when the armed timer fires; 0: not armed
};

struct PerCpu {
    PerCpu* self = nullptr;  // %gs:0
    uint64_t kernel_rsp = 0; // %gs:8: top of the running thread's kernel stack (syscall_entry switches to it)
    uint64_t user_rsp = 0;   // %gs:16: the thread's %rsp while syscall_entry saves it
    // The thread this CPU runs; nullptr while it runs its own loop (idle: sched_idle_loop). The syscall path
    // finds the thread and its process here.
    Thread* current = nullptr;
    uint64_t idle_rsp = 0; // the idle loop's stack pointer while a thread runs (switch_stacks)
    Thread* switch_from =
        nullptr;                // the thread switched away from, until the next context finishes the switch
    bool need_resched = false;  // an interrupt asks for schedule() before the return to ring 3
    uint64_t interrupts = 0;    // interrupts taken since the job started (the noise figure of docs/run.md)
    uint64_t shootdown_ack = 0; // the last TLB shootdown generation this CPU flushed for (proc/sched.cpp)
    uint32_t index = 0;
    uint32_t apic_id = 0;
    RunQueue rq;
    arch::CpuTables tables{};
    alignas(16) uint8_t fault_stack[8192] = {};
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

// Every enclave CPU's block (kernel/main.cpp): index 0..cpu_count()-1.
PerCpu& cpu_block(uint32_t index);
uint32_t cpu_count();

} // namespace ck

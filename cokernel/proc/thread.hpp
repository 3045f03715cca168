#pragma once
// A thread of a process: what a CPU needs to run it in ring 3, to take its syscalls, interrupts and
// exceptions, and to switch it off its CPU and back (proc/sched.cpp). A process's threads live in its table
// (proc/process.hpp); a slot's index is also its delegation channel's (cokernel/job.h).
#include "channel.hpp"
#include "descriptors.hpp"
#include "phys_alloc.hpp"
#include "signal.hpp"

#include <stdint.h>

namespace ck {

struct Process;

enum class ThreadState : uint8_t {
    unused,   // a free slot
    created,  // taken by clone, being set up: not started yet
    runnable, // on its CPU's run queue
    running,  // on its CPU: in ring 3, or in the kernel on its behalf
    blocked,  // waiting for sched_wake (a futex) or its deadline (a sleep); off its CPU once switched out
    exited,   // ended; its slot is free once it is off its CPU
};

// The thread's own kernel stack: its syscalls, and interrupts and exceptions from ring 3, run here (%gs:8
// and TSS.rsp0 point at top while it runs). Physically contiguous pages, used through the direct map; the
// slot keeps it for the next thread until the job ends.
struct KernelStack {
    static constexpr uint64_t SIZE = 16384;
    uint64_t phys = 0; // 0: none
    uint64_t top = 0;  // the virtual address of its end (16-byte aligned)
};

struct Thread {
    Process* process = nullptr;
    uint32_t tid = 0;
    uint32_t slot = 0;                       // its index in the process's table and its channel's
    uint32_t cpu = 0;                        // the enclave CPU it is placed on (PerCpu::index)
    ThreadState state = ThreadState::unused; // changed under its CPU's run-queue lock, or by itself
    bool on_cpu = false;    // its kernel stack is in use on a CPU (true from the switch to it until the next
                            // context on that CPU finished switching away from it)
    bool timed_out = false; // its last block ended by its deadline, not a wake
    KernelStack stack;
    uint64_t fs_base = 0;         // its TLS pointer (ARCH_SET_FS): FS_BASE while it runs
    uint64_t switch_rsp = 0;      // its kernel stack pointer while switched out (switch_stacks)
    uint64_t affinity = 0;        // the enclave CPUs it may run on (bit i: CPU i)
    uint64_t clear_child_tid = 0; // set_tid_address / CLONE_CHILD_CLEARTID: zeroed and woken at its exit
    uint64_t robust_list = 0;     // set_robust_list's head (0: none)
    uint64_t wake_tsc = 0;        // while blocked: the TSC at which it wakes anyway (0: none)
    // Its CPU time (proc/cpu_time.hpp): TSC ticks on a CPU before its last switch in, the TSC of that switch
    // in (0: off its CPU), and the ticks of its waits for the proxy, which are not its CPU time.
    uint64_t cpu_tsc = 0, on_cpu_tsc = 0, proxy_wait_tsc = 0;
    Thread* rq_next = nullptr;    // run-queue link
    Thread* sleep_next = nullptr; // its CPU's sleepers list
    void* futex_waiter = nullptr; // while it waits in futex: its entry in the futex queues (sys_futex.cpp)
    deleg::CokernelEnd* channel = nullptr; // its delegation channel: the process's for its slot
    ThreadSignals sig;                     // its mask, pending signals, alternate stack (proc/signal.hpp)
    alignas(16) uint8_t fpu[512] = {};     // x87/SSE state (FXSAVE) while it is off its CPU

    // Its user registers while it is in the kernel from ring 3, and before it first runs: the arch::Frame at
    // the top of its kernel stack, where syscall_entry and isr_common push it and the first entry pops it.
    arch::Frame* user_frame() const { return reinterpret_cast<arch::Frame*>(stack.top) - 1; }
};

// The frame a thread's first entry to ring 3 pops: rip and rsp, the user selectors, IF set, every other
// register zero (what a new process gets on Linux, with rdx = 0: no exit handler).
constexpr arch::Frame first_user_frame(uint64_t rip, uint64_t rsp) {
    arch::Frame f{};
    f.rip = rip;
    f.cs = arch::USER_CS;
    f.rflags = 0x202; // IF
    f.rsp = rsp;
    f.ss = arch::USER_DS;
    return f;
}

// Makes slot t of p a new thread with tid, giving it a kernel stack from phys when the slot has none; false
// when there is no memory for one. Its user frame is the caller's to fill; its first switch enters ring 3
// from that frame (thread_first_entry in user.S) with the x87/SSE state in t.fpu.
bool thread_init(Thread& t, Process& p, uint32_t tid, PhysAllocator<64>& phys);
// The x87/SSE state of a new program (FNINIT, MXCSR 0x1f80), into fpu.
void fpu_initial_state(uint8_t (&fpu)[512]);
// Frees a slot's kernel stack (the job's end).
void thread_release(Thread& t, PhysAllocator<64>& phys);

} // namespace ck

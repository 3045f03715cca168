#pragma once
// A thread of a process: what a CPU needs to run it in ring 3 and to take its syscalls, interrupts and
// exceptions. Today a job has one thread, which CPU 0 runs from its own loop until the job ends
// (kernel/job.cpp); nothing here assumes there is only one. Where the next steps plug in (issue 9, item 2):
//  - clone/clone3 make more Threads of the same Process: thread_init gives each its own kernel stack,
//    its user frame is the caller's copied with rax = 0 and the new stack and TLS, and its own channel;
//  - a scheduler with per-CPU run queues switches between them where thread_run enters ring 3 and
//    thread_end leaves it today: switch_rsp keeps a thread's kernel context (callee-saved registers pushed
//    on its own kernel stack) while it is off its CPU, fs_base (and an x87/SSE save area, to add) are
//    loaded when it goes back on;
//  - futex waits, sleeps and blocking delegated calls set state = blocked and switch away instead of
//    spinning on the CPU with interrupts open.
#include "channel.hpp"
#include "descriptors.hpp"
#include "phys_alloc.hpp"

#include <stdint.h>

namespace ck {

struct Process;

enum class ThreadState : uint8_t {
    created, // set up, never ran
    running, // on its CPU: in ring 3, or in a syscall, interrupt or exception from ring 3
    exited,  // ended: its kernel stack can be freed
};

// The thread's own kernel stack: its syscalls, and interrupts and exceptions from ring 3, run here (%gs:8
// and TSS.rsp0 point at top while it runs). Physically contiguous pages, used through the direct map.
struct KernelStack {
    static constexpr uint64_t SIZE = 16384;
    uint64_t phys = 0; // 0: none
    uint64_t top = 0;  // the virtual address of its end (16-byte aligned)
};

struct Thread {
    Process* process = nullptr;
    uint32_t tid = 0;
    uint32_t cpu = 0; // index of the CPU it runs on (PerCpu::index)
    ThreadState state = ThreadState::created;
    KernelStack stack;
    uint64_t fs_base = 0;       // its TLS pointer (ARCH_SET_FS): FS_BASE while it runs
    uint64_t switch_rsp = 0;    // its kernel stack pointer while switched out (no switching yet, see above)
    deleg::CokernelEnd channel; // its delegation channel (the job's one channel today)

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

// A new thread of p with its kernel stack from phys; false when there is no memory for it.
bool thread_init(Thread& t, Process& p, uint32_t tid, PhysAllocator<64>& phys);
// Runs t in ring 3 on this CPU, from its user frame, until it ends (thread_end).
void thread_run(Thread& t);
// Ends the thread this CPU runs: back to the CPU's own context, where thread_run returns.
[[noreturn]] void thread_end();
// Frees an ended thread's kernel stack.
void thread_release(Thread& t, PhysAllocator<64>& phys);

} // namespace ck

// Running a thread in ring 3: its kernel stack, its first entry, and its end back to the CPU's own loop.
#include "thread.hpp"

#include "cpu.hpp"
#include "kernel.hpp"
#include "percpu.hpp"

// user.S: pops frame (on the thread's kernel stack) into ring 3 after saving the caller's context at
// *own_rsp; user_leave(own_rsp) returns from that user_enter.
extern "C" void user_enter(arch::Frame* frame, uint64_t* own_rsp);
extern "C" [[noreturn]] void user_leave(uint64_t own_rsp);

namespace ck {
namespace {
constexpr uint32_t MSR_FS_BASE = 0xc0000100;
} // namespace

bool thread_init(Thread& t, Process& p, uint32_t tid, PhysAllocator<64>& phys) {
    const uint64_t stack = phys.alloc(KernelStack::SIZE);
    if (stack == 0) {
        return false;
    }
    t = Thread{};
    t.process = &p;
    t.tid = tid;
    t.stack.phys = stack;
    t.stack.top = reinterpret_cast<uint64_t>(phys_to_virt<uint8_t>(stack + KernelStack::SIZE));
    return true;
}

void thread_run(Thread& t) {
    PerCpu& cpu = this_cpu();
    t.cpu = cpu.index;
    t.state = ThreadState::running;
    // Syscalls (%gs:8) and interrupts and exceptions from ring 3 (TSS.rsp0) arrive on its kernel stack.
    cpu.kernel_rsp = t.stack.top;
    cpu.tables.tss.rsp[0] = t.stack.top;
    cpu.current = &t; // from here an interrupt may end the thread (job_proxy_gone)
    // A new thread's x87/SSE state and TLS pointer (a context switch would restore the saved ones here).
    asm volatile("fninit");
    const uint32_t mxcsr = 0x1f80;
    asm volatile("ldmxcsr %0" ::"m"(mxcsr));
    arch::wrmsr(MSR_FS_BASE, t.fs_base);
    user_enter(t.user_frame(), &cpu.own_rsp);
    cpu.current = nullptr;
    t.state = ThreadState::exited;
}

void thread_end() {
    user_leave(this_cpu().own_rsp);
}

void thread_release(Thread& t, PhysAllocator<64>& phys) {
    if (t.stack.phys != 0) {
        (void)phys.free(t.stack.phys, KernelStack::SIZE);
    }
    t.stack = KernelStack{};
}

} // namespace ck

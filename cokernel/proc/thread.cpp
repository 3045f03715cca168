// A thread's kernel stack and its first switch: the stack is laid out so that the scheduler's switch_stacks
// (user.S) "returns" into thread_first_entry, which pops the user frame at the top into ring 3.
#include "thread.hpp"

#include "cpu.hpp"
#include "kernel.hpp"
#include "mem.hpp"

extern "C" void thread_first_entry();

namespace ck {

bool thread_init(Thread& t, Process& p, uint32_t tid, PhysAllocator<64>& phys) {
    KernelStack stack = t.stack;
    if (stack.phys == 0) {
        stack.phys = phys.alloc(KernelStack::SIZE);
        if (stack.phys == 0) {
            return false;
        }
        stack.top = reinterpret_cast<uint64_t>(phys_to_virt<uint8_t>(stack.phys + KernelStack::SIZE));
    }
    const uint32_t slot = t.slot;
    deleg::CokernelEnd* channel = t.channel;
    // Field by field: Thread holds a 512-byte FXSAVE area, kept out of temporaries on the kernel stack.
    t.process = &p;
    t.tid = tid;
    t.slot = slot;
    t.cpu = 0;
    t.state = ThreadState::unused; // the caller makes it runnable (sched_start)
    t.on_cpu = false;
    t.timed_out = false;
    t.stack = stack;
    t.fs_base = 0;
    t.affinity = 0;
    t.clear_child_tid = 0;
    t.robust_list = 0;
    t.wake_tsc = 0;
    t.cpu_tsc = 0;
    t.on_cpu_tsc = 0;
    t.proxy_wait_tsc = 0;
    t.rq_next = nullptr;
    t.sleep_next = nullptr;
    t.futex_waiter = nullptr;
    thread_signals_init(t.sig, 0); // clone gives a new thread its creator's mask
    t.channel = channel;
    // Below the user frame: what switch_stacks pops (r15, r14, r13, r12, rbp, rbx: zero), then its return
    // address, thread_first_entry; after the ret %rsp is the frame's address.
    auto* words = reinterpret_cast<uint64_t*>(t.user_frame());
    words[-1] = reinterpret_cast<uint64_t>(&thread_first_entry);
    for (int i = 2; i <= 7; ++i) {
        words[-i] = 0;
    }
    t.switch_rsp = reinterpret_cast<uint64_t>(words - 7);
    return true;
}

void fpu_initial_state(uint8_t (&fpu)[512]) {
    asm volatile("fninit");
    const uint32_t mxcsr = 0x1f80;
    asm volatile("ldmxcsr %0" ::"m"(mxcsr));
    arch::fxsave(fpu);
}

void thread_release(Thread& t, PhysAllocator<64>& phys) {
    if (t.stack.phys != 0) {
        (void)phys.free(t.stack.phys, KernelStack::SIZE);
    }
    t.stack = KernelStack{};
    t.state = ThreadState::unused;
}

} // namespace ck

// A co-kernel thread's saved user state (cokernel/proc/thread.hpp): the frame its first entry to ring 3 pops,
// where a thread's user registers lie on its kernel stack, and the per-CPU fields the assembly entries use.
#include "asm_offsets.h"
#include "descriptors.hpp"
#include "percpu.hpp"
#include "process.hpp"
#include "thread.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>

TEST_CASE("a thread's first user frame: ring-3 selectors, interrupts on, every register zero", "[thread]") {
    const arch::Frame f = ck::first_user_frame(0x401000, 0x7fffffffe000);
    CHECK(f.rip == 0x401000);
    CHECK(f.rsp == 0x7fffffffe000);
    CHECK(f.cs == arch::USER_CS);
    CHECK(f.ss == arch::USER_DS);
    CHECK((f.cs & 3) == 3);
    CHECK((f.ss & 3) == 3);
    CHECK(f.rflags == 0x202); // IF, and bit 1 (always set)
    const uint64_t regs[] = {f.r15, f.r14, f.r13, f.r12, f.r11, f.r10, f.r9,     f.r8,   f.rbp,
                             f.rdi, f.rsi, f.rdx, f.rcx, f.rbx, f.rax, f.vector, f.error};
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; ++i) {
        INFO("slot " << i);
        CHECK(regs[i] == 0); // nothing of the co-kernel's leaks into the job (rdx 0: no exit handler)
    }
}

TEST_CASE("a thread's user registers lie at the top of its own kernel stack, where the entries put them",
          "[thread]") {
    alignas(16) static uint8_t stack[ck::KernelStack::SIZE];
    ck::Thread t;
    t.stack.top = reinterpret_cast<uint64_t>(stack + sizeof stack);
    arch::Frame* f = t.user_frame();
    CHECK(reinterpret_cast<uint8_t*>(f) == stack + sizeof stack - sizeof(arch::Frame));
    CHECK(reinterpret_cast<uintptr_t>(f) % 16 == 0); // syscall_entry and the CPU keep it 16-byte aligned
    // The CPU's part (rip .. ss) ends at the stack top, as for an interrupt from ring 3 at TSS.rsp0; the
    // registers syscall_entry pushes (SAVE_FRAME_REGS: rax first) lie below, r15 lowest.
    CHECK(reinterpret_cast<uint8_t*>(&f->ss) + 8 == stack + sizeof stack);
    CHECK(reinterpret_cast<uint8_t*>(&f->rip) == stack + sizeof stack - 5 * 8);
    CHECK(reinterpret_cast<uint8_t*>(&f->vector) == stack + sizeof stack - 7 * 8);
    CHECK(reinterpret_cast<uint8_t*>(&f->rax) == stack + sizeof stack - 8 * 8);
    CHECK(reinterpret_cast<uint8_t*>(&f->r15) == reinterpret_cast<uint8_t*>(f));
    CHECK(ck::KernelStack::SIZE % 4096 == 0);
    CHECK(t.state == ck::ThreadState::unused); // a free slot of the process's table
    CHECK(t.process == nullptr);
}

TEST_CASE("the per-CPU block has the fields user.S reads at the offsets asm_offsets.h gives", "[thread]") {
    CHECK(offsetof(ck::PerCpu, self) == PERCPU_SELF);
    CHECK(offsetof(ck::PerCpu, kernel_rsp) == PERCPU_KERNEL_RSP);
    CHECK(offsetof(ck::PerCpu, user_rsp) == PERCPU_USER_RSP);
    CHECK(PERCPU_SELF == 0);          // this_cpu() reads %gs:0
    CHECK(alignof(ck::PerCpu) >= 16); // the fault stack inside it is 16-byte aligned
}

TEST_CASE("a process starts with no calls counted, no exit status and an empty job space", "[thread]") {
    const auto p = std::make_unique<ck::Process>(); // the job space is 12 KiB: never on a stack
    CHECK(p->calls.native == 0);
    CHECK(p->calls.delegated == 0);
    CHECK(p->exit_status == 0);
    CHECK(p->signal == 0);
    CHECK_FALSE(p->policy.denies(0));
    CHECK_FALSE(p->policy.delegates(0));
    CHECK(p->live == 0);
    CHECK_FALSE(p->exiting);
    for (const ck::Thread& t : p->threads) {
        CHECK(t.state == ck::ThreadState::unused);
        CHECK(reinterpret_cast<uintptr_t>(t.fpu) % 16 == 0); // FXSAVE needs a 16-byte aligned area
    }
    CHECK(sizeof p->threads / sizeof p->threads[0] == COKERNEL_JOB_MAX_THREADS); // a slot per channel
}

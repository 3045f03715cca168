// Exceptions and interrupts: a fault prints vector, RIP, CR2 and the registers to the console and stops the
// CPU; the enclave is then `failed` for Linux, which keeps the console and can still destroy it.
#include "apic.hpp"
#include "console.hpp"
#include "cpu.hpp"
#include "descriptors.hpp"
#include "job.hpp"
#include "kernel.hpp"
#include "percpu.hpp"
#include "process.hpp"
#include "sched.hpp"
#include "signal.hpp"
#include "thread.hpp"
#include "tlb.hpp"
#include "vectors.hpp"

namespace {

const char* exception_name(uint64_t vector) {
    static const char* const names[32] = {"#DE divide error",
                                          "#DB debug",
                                          "NMI",
                                          "#BP breakpoint",
                                          "#OF overflow",
                                          "#BR bound range",
                                          "#UD invalid opcode",
                                          "#NM device not available",
                                          "#DF double fault",
                                          "coprocessor segment overrun",
                                          "#TS invalid TSS",
                                          "#NP segment not present",
                                          "#SS stack fault",
                                          "#GP general protection",
                                          "#PF page fault",
                                          "reserved",
                                          "#MF x87 error",
                                          "#AC alignment check",
                                          "#MC machine check",
                                          "#XM SIMD error",
                                          "#VE virtualization",
                                          "#CP",
                                          "reserved",
                                          "reserved",
                                          "reserved",
                                          "reserved",
                                          "reserved",
                                          "reserved",
                                          "#HV",
                                          "#VC",
                                          "#SX",
                                          "reserved"};
    return vector < 32 ? names[vector] : "interrupt";
}

void report_stray(uint64_t vector);

[[noreturn]] void fault(const arch::Frame& f) {
    using ck::kprintf_emergency;
    kprintf_emergency("EXCEPTION on cpu %u: vector %lu (%s), error 0x%lx\n", ck::this_cpu_index(), f.vector,
                      exception_name(f.vector), f.error);
    kprintf_emergency("  RIP %016lx CS %04lx RFLAGS %016lx RSP %016lx SS %04lx\n", f.rip, f.cs, f.rflags,
                      f.rsp, f.ss);
    kprintf_emergency("  CR2 %016lx CR3 %016lx\n", arch::read_cr2(), arch::read_cr3());
    kprintf_emergency("  RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n", f.rax, f.rbx, f.rcx, f.rdx);
    kprintf_emergency("  RSI %016lx RDI %016lx RBP %016lx R8  %016lx\n", f.rsi, f.rdi, f.rbp, f.r8);
    kprintf_emergency("  R9  %016lx R10 %016lx R11 %016lx R12 %016lx\n", f.r9, f.r10, f.r11, f.r12);
    kprintf_emergency("  R13 %016lx R14 %016lx R15 %016lx\n", f.r13, f.r14, f.r15);
    kprintf_emergency("PANIC on cpu %u: unhandled exception\n", ck::this_cpu_index());
    ck::stop_this_cpu(COKERNEL_CK_PANIC);
}

} // namespace

extern "C" void isr_dispatch(arch::Frame* frame) {
    constexpr uint64_t NMI = 2;
    if (frame->vector == NMI) {
        // Linux may broadcast NMIs to "all but self" (backtraces, reboot): not ours to act on.
        ck::kprintf_emergency("cpu %u: NMI ignored\n", ck::this_cpu_index());
        return;
    }
    if (frame->vector < 32 && (frame->cs & 3) != 0) {
        ck::job_fault(*frame); // a signal for its handler, or the job dies and the co-kernel goes on
        ck::sched_return_to_user();
        ck::signal_deliver(*ck::current_thread(), *frame, false);
        return;
    }
    if (frame->vector < 32) {
        fault(*frame);
    }
    if (frame->vector == arch::SPURIOUS_VECTOR) {
        return; // no EOI for spurious interrupts
    }
    ++ck::this_cpu().interrupts;
    ck::this_apic().eoi();
    const bool from_user = (frame->cs & 3) != 0;
    switch (frame->vector) {
    case COKERNEL_IPI_VECTOR:
        ck::handle_commands();
        break;
    case arch::TIMER_VECTOR:
        ck::sched_timer_interrupt();
        break;
    case arch::RESCHED_VECTOR:
        ck::sched_resched_interrupt();
        break;
    case arch::SHOOTDOWN_VECTOR:
        ck::tlb_shootdown_interrupt();
        break;
    default:
        report_stray(frame->vector);
        break;
    }
    if (from_user) {
        ck::sched_return_to_user(); // a switch, or the thread's end, happens here and nowhere else
        ck::signal_deliver(*ck::current_thread(), *frame, false);
    }
}

namespace {

void report_stray(uint64_t vector) {
    // Linux sends some IPIs with the "all but self" shorthand, which reaches the enclave's CPUs too (offline
    // CPUs are expected to ignore them). Say so once per vector and go on.
    static uint32_t reported[8];
    const auto v = static_cast<uint32_t>(vector);
    if ((__atomic_fetch_or(&reported[v / 32], 1u << (v % 32), __ATOMIC_RELAXED) & (1u << (v % 32))) == 0) {
        ck::kprintf("cpu %u: ignoring interrupt vector 0x%x (a Linux broadcast IPI?)\n", ck::this_cpu_index(),
                    v);
    }
}

} // namespace

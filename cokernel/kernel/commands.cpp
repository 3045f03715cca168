// Linux -> co-kernel commands: Linux fills cmd/arg in the control block, bumps req_seq and sends the doorbell
// IPI (COKERNEL_IPI_VECTOR) to CPU 0; the answer goes back through resp_seq/result and an IPI to Linux's
// vector.
#include "apic.hpp"
#include "console.hpp"
#include "cpu.hpp"
#include "job.hpp"
#include "kernel.hpp"
#include "paging.hpp"

namespace ck {
namespace {

uint32_t g_last_seq = 0;

void answer(cokernel_control& c, uint32_t seq, int32_t result) {
    c.result = result;
    __atomic_add_fetch(&c.heartbeat, 1u, __ATOMIC_RELAXED);
    __atomic_store_n(&c.resp_seq, seq, __ATOMIC_RELEASE);
    notify_linux();
}

[[noreturn]] void trigger_fault(uint64_t kind) {
    kprintf("fault requested by Linux: kind %lu\n", kind);
    switch (kind) {
    case COKERNEL_FAULT_PANIC:
        panic("requested by Linux (cokernel fault panic)");
    case COKERNEL_FAULT_PAGE_FAULT:
        *reinterpret_cast<volatile uint64_t*>(NEVER_MAPPED_VA) = 1;
        break;
    case COKERNEL_FAULT_DIVIDE: {
        uint64_t zero = 0;
        asm volatile("divq %1" : "+a"(zero) : "r"(zero) : "rdx");
        break;
    }
    case COKERNEL_FAULT_HANG:
        for (;;) {
            arch::cli();
        }
    case COKERNEL_FAULT_TRIPLE: {
        // An empty IDT: the next exception cannot be delivered, nor the double fault after it.
        struct [[gnu::packed]] {
            uint16_t limit;
            uint64_t base;
        } const empty{0, 0};
        asm volatile("lidt %0; int3" ::"m"(empty));
        break;
    }
    case COKERNEL_FAULT_STACK:
        // The escalation that would be a triple fault without an IST stack: with RSP unmapped, the page fault
        // cannot push its frame, which is a double fault; #DF runs on its own IST stack and reports it.
        asm volatile("movq %0, %%rsp; pushq $0" ::"r"(NEVER_MAPPED_VA + 0x1000) : "memory");
        break;
    default:
        break;
    }
    panic("fault kind %lu did not fault", kind);
}

} // namespace

void notify_linux() {
    cokernel_control& c = control();
    const uint32_t vector = __atomic_load_n(&c.linux_vector, __ATOMIC_ACQUIRE);
    if (vector >= 32 && vector < 256) {
        this_apic().send_ipi(__atomic_load_n(&c.linux_apic_id, __ATOMIC_RELAXED),
                             static_cast<uint8_t>(vector),
                             __atomic_load_n(&c.linux_dest_mode, __ATOMIC_RELAXED) == COKERNEL_DEST_LOGICAL);
    }
}

void handle_commands() {
    cokernel_control& c = control();
    const uint32_t seq = __atomic_load_n(&c.req_seq, __ATOMIC_ACQUIRE);
    if (seq == g_last_seq) {
        return;
    }
    g_last_seq = seq;
    switch (c.cmd) {
    case COKERNEL_CMD_PING:
        answer(c, seq, 0);
        break;
    case COKERNEL_CMD_STOP:
        kprintf("stopping: requested by Linux\n");
        answer(c, seq, 0);
        stop_this_cpu(COKERNEL_CK_STOPPED);
    case COKERNEL_CMD_FAULT:
        if (c.arg < COKERNEL_FAULT_PANIC || c.arg > COKERNEL_FAULT_STACK) {
            answer(c, seq, -22);
            break;
        }
        answer(c, seq, 0);
        trigger_fault(c.arg);
    case COKERNEL_CMD_JOB_END:
        answer(c, seq, 0);
        job_proxy_gone(); // may not return: the job ends
        break;
    case COKERNEL_CMD_JOB_SIGNAL:
        if (c.arg < 1 || c.arg > 64) {
            answer(c, seq, -22);
            break;
        }
        answer(c, seq, 0);
        job_signal_from_linux(static_cast<int>(c.arg));
        break;
    default:
        answer(c, seq, -38);
        break;
    }
}

} // namespace ck

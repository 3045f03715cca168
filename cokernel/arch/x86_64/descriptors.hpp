#pragma once
// GDT, TSS and IDT. Every CPU has its own GDT and TSS (the double fault and NMI run on their own stacks, so a
// stack overflow still prints); the IDT is shared.
#include <stdint.h>

namespace arch {

// What isr_common (isr.S) pushes, lowest address first.
struct Frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss; // pushed by the CPU
};
static_assert(sizeof(Frame) == 22 * 8);

struct [[gnu::packed]] Tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};
static_assert(sizeof(Tss) == 104);

struct CpuTables {
    uint64_t gdt[7]; // null, code, data, TSS (two slots), user data, user code (the order SYSRET needs)
    Tss tss;
};

constexpr uint16_t KERNEL_CS = 0x08;
constexpr uint16_t KERNEL_DS = 0x10;
constexpr uint16_t TSS_SEL = 0x18;
constexpr uint16_t USER_DS = 0x28 | 3;
constexpr uint16_t USER_CS = 0x30 | 3;

void idt_init();
// Loads this CPU's GDT, TSS and the IDT. ist_top: top of the stack for double faults and NMIs.
void load_cpu_tables(CpuTables& t, uint64_t ist_top);

} // namespace arch

extern "C" void isr_dispatch(arch::Frame* frame);

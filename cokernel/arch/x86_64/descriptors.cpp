#include "descriptors.hpp"

namespace arch {
namespace {

struct [[gnu::packed]] IdtEntry {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t zero;
};
static_assert(sizeof(IdtEntry) == 16);

struct [[gnu::packed]] TablePointer {
    uint16_t limit;
    uint64_t base;
};

IdtEntry g_idt[256];

constexpr uint8_t INTERRUPT_GATE = 0x8e;
constexpr uint8_t USER_GATE = 0xee; // DPL 3: ring 3 may raise it with INT n
constexpr uint8_t IST_FAULT = 1;

void set_gate(unsigned vector, void (*stub)(), uint8_t ist, uint8_t type) {
    const auto addr = reinterpret_cast<uint64_t>(stub);
    g_idt[vector] =
        IdtEntry{static_cast<uint16_t>(addr),       KERNEL_CS, ist, type, static_cast<uint16_t>(addr >> 16),
                 static_cast<uint32_t>(addr >> 32), 0};
}

} // namespace
} // namespace arch

extern "C" void (*const isr_stub_table[256])();

namespace arch {

void idt_init() {
    // #BP and #OF as Linux has them (user gates): a job's int3 and into raise SIGTRAP and SIGSEGV, not #GP.
    for (unsigned v = 0; v < 256; ++v) {
        set_gate(v, isr_stub_table[v], v == 2 || v == 8 ? IST_FAULT : 0,
                 v == 3 || v == 4 ? USER_GATE : INTERRUPT_GATE);
    }
}

void load_cpu_tables(CpuTables& t, uint64_t ist_top) {
    t.gdt[0] = 0;
    t.gdt[1] = 0x00af9a000000ffff; // 64-bit code
    t.gdt[2] = 0x00cf92000000ffff; // data
    const auto tss = reinterpret_cast<uint64_t>(&t.tss);
    const uint64_t limit = sizeof(Tss) - 1;
    t.gdt[3] =
        (limit & 0xffff) | ((tss & 0xffffff) << 16) | (uint64_t{0x89} << 40) | (((tss >> 24) & 0xff) << 56);
    t.gdt[4] = tss >> 32;
    t.gdt[5] = 0x00cff2000000ffff; // user data (DPL 3)
    t.gdt[6] = 0x00affa000000ffff; // user 64-bit code (DPL 3)
    t.tss = Tss{};
    t.tss.ist[0] = ist_top;
    t.tss.iomap_base = sizeof(Tss);

    const TablePointer gdtr{sizeof(t.gdt) - 1, reinterpret_cast<uint64_t>(t.gdt)};
    const TablePointer idtr{sizeof(g_idt) - 1, reinterpret_cast<uint64_t>(g_idt)};
    asm volatile("lgdt %0\n\t"
                 "movw %w1, %%ds\n\t"
                 "movw %w1, %%es\n\t"
                 "movw %w1, %%ss\n\t"
                 "xorl %%eax, %%eax\n\t"
                 "movw %%ax, %%fs\n\t"
                 "movw %%ax, %%gs\n\t"
                 "pushq %q2\n\t"
                 "leaq 1f(%%rip), %%rax\n\t"
                 "pushq %%rax\n\t"
                 "lretq\n"
                 "1:\n\t"
                 "ltr %w3\n\t"
                 "lidt %4"
                 :
                 : "m"(gdtr), "r"(KERNEL_DS), "r"(uint64_t{KERNEL_CS}), "r"(TSS_SEL), "m"(idtr)
                 : "rax", "memory");
}

} // namespace arch

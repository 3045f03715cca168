#pragma once
// Thin wrappers around the x86-64 instructions the co-kernel needs.
#include <stdint.h>

namespace arch {

inline uint64_t rdmsr(uint32_t msr) {
    uint32_t lo = 0;
    uint32_t hi = 0;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t{hi} << 32) | lo;
}

inline void wrmsr(uint32_t msr, uint64_t value) {
    asm volatile("wrmsr" ::"c"(msr), "a"(static_cast<uint32_t>(value)),
                 "d"(static_cast<uint32_t>(value >> 32))
                 : "memory");
}

// CPUID leaf (subleaf 0): eax, ebx, ecx, edx.
struct CpuidRegs {
    uint32_t a, b, c, d;
};
inline CpuidRegs cpuid(uint32_t leaf, uint32_t subleaf = 0) {
    CpuidRegs r{leaf, 0, subleaf, 0};
    asm volatile("cpuid" : "+a"(r.a), "=b"(r.b), "+c"(r.c), "=d"(r.d));
    return r;
}

inline uint64_t read_cr2() {
    uint64_t v = 0;
    asm volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

inline uint64_t read_cr3() {
    uint64_t v = 0;
    asm volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}

inline void write_cr3(uint64_t v) {
    asm volatile("mov %0, %%cr3" ::"r"(v) : "memory");
}

inline uint64_t rdtsc() {
    uint32_t lo = 0;
    uint32_t hi = 0;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t{hi} << 32) | lo;
}

// The x87/SSE state (FXSAVE's 512-byte image, 16-byte aligned): saved into area, loaded from it.
inline void fxsave(uint8_t (&area)[512]) {
    asm volatile("fxsave %0" : "=m"(area));
}
inline void fxrstor(const uint8_t (&area)[512]) {
    asm volatile("fxrstor %0" ::"m"(area));
}

inline void cli() {
    asm volatile("cli" ::: "memory");
}
inline void pause() {
    asm volatile("pause" ::: "memory");
}

// Halts until the next interrupt with interrupts enabled (sti's shadow covers hlt, so no wake-up is lost).
inline void idle() {
    asm volatile("sti; hlt; cli" ::: "memory");
}

// One pause with interrupts open, for waits that must still take Linux's commands. The nop fills STI's
// interrupt shadow: right after STI nothing is delivered, and QEMU's TCG leaves the shadow only at the end
// of the instruction after STI, which a PAUSE (it exits to QEMU's main loop early) never reaches, so
// `sti; pause; cli` would never take an interrupt there.
inline void pause_interruptible() {
    asm volatile("sti; nop; pause; cli" ::: "memory");
}

[[noreturn]] inline void halt_forever() {
    for (;;) {
        asm volatile("cli; hlt" ::: "memory");
    }
}

constexpr uint32_t MSR_APIC_BASE = 0x1b;
constexpr uint32_t MSR_GS_BASE = 0xc0000101;

} // namespace arch

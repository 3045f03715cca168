#include "user_mode.hpp"

#include "cpu.hpp"

#include <stdint.h>

extern "C" void syscall_entry();

namespace arch {
namespace {
constexpr uint32_t MSR_EFER = 0xc0000080, MSR_STAR = 0xc0000081, MSR_LSTAR = 0xc0000082,
                   MSR_FMASK = 0xc0000084;
} // namespace

void user_mode_init() {
    // SSE for ring 3: CR0.MP on, EM and TS off; CR4.OSFXSR and OSXMMEXCPT.
    uint64_t cr0 = 0;
    uint64_t cr4 = 0;
    asm volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 & ~uint64_t{(1u << 2) | (1u << 3)}) | (1u << 1);
    asm volatile("mov %0, %%cr0" ::"r"(cr0));
    asm volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 |= (1u << 9) | (1u << 10);
    asm volatile("mov %0, %%cr4" ::"r"(cr4));
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | 1); // SCE
    // SYSCALL: CS 0x08, SS 0x10. SYSRET: SS 0x20 + 8 = 0x28|3, CS 0x20 + 16 = 0x30|3.
    wrmsr(MSR_STAR, (uint64_t{0x20} << 48) | (uint64_t{0x08} << 32));
    wrmsr(MSR_LSTAR, reinterpret_cast<uint64_t>(&syscall_entry));
    wrmsr(MSR_FMASK, 0x47700); // TF, DF, IF, IOPL, NT, AC
}

} // namespace arch

#include "apic.hpp"

#include "cpu.hpp"
#include <cokernel/boot.h>

namespace arch {
namespace {
constexpr uint64_t APIC_BASE_ENABLE = 1u << 11;
constexpr uint64_t APIC_BASE_X2APIC = 1u << 10;
constexpr uint32_t ICR_DELIVERY_PENDING = 1u << 12;
constexpr uint32_t ICR_ASSERT = 1u << 14;
constexpr uint32_t ICR_LOGICAL = 1u << 11;
constexpr uint32_t SVR_ENABLE = 1u << 8;
constexpr uint32_t LVT_MASKED = 1u << 16;

uint32_t msr_of(ApicReg reg) {
    return 0x800 + static_cast<uint32_t>(reg) / 16;
}
} // namespace

void Apic::init(bool x2apic, uint64_t apic_phys) {
    x2apic_ = x2apic;
    uint64_t base = rdmsr(MSR_APIC_BASE);
    if (x2apic) {
        if ((base & (APIC_BASE_ENABLE | APIC_BASE_X2APIC)) != (APIC_BASE_ENABLE | APIC_BASE_X2APIC)) {
            wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
            wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
        }
    } else {
        mmio_ = reinterpret_cast<volatile uint32_t*>(COKERNEL_APIC_VIRT + (apic_phys & 0x1fffff));
        if ((base & APIC_BASE_ENABLE) == 0) {
            wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
        }
    }
    write(ApicReg::Tpr, 0);
    write(ApicReg::LvtTimer, LVT_MASKED); // tickless: no timer interrupt at all
    write(ApicReg::Svr, SVR_ENABLE | SPURIOUS_VECTOR);
}

uint32_t Apic::read(ApicReg reg) const {
    if (x2apic_) {
        return static_cast<uint32_t>(rdmsr(msr_of(reg)));
    }
    return mmio_[static_cast<uint32_t>(reg) / 4];
}

void Apic::write(ApicReg reg, uint32_t value) {
    if (x2apic_) {
        wrmsr(msr_of(reg), value);
    } else {
        mmio_[static_cast<uint32_t>(reg) / 4] = value;
    }
}

uint32_t Apic::id() const {
    return x2apic_ ? read(ApicReg::Id) : read(ApicReg::Id) >> 24;
}

void Apic::send_ipi(uint32_t dest, uint8_t vector, bool logical) {
    const uint32_t low = ICR_ASSERT | (logical ? ICR_LOGICAL : 0) | vector;
    if (x2apic_) {
        wrmsr(msr_of(ApicReg::IcrLow), (uint64_t{dest} << 32) | low);
        return;
    }
    while ((read(ApicReg::IcrLow) & ICR_DELIVERY_PENDING) != 0) {
        pause();
    }
    write(ApicReg::IcrHigh, dest << 24);
    write(ApicReg::IcrLow, low);
}

} // namespace arch

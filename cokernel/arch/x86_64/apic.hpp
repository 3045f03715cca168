#pragma once
// The local APIC in the mode Linux uses: xAPIC (MMIO, mapped by the boot page tables at COKERNEL_APIC_VIRT)
// or x2APIC (MSRs, 32-bit IDs). Register numbers are the xAPIC offsets; x2APIC MSR = 0x800 + offset / 16.
// The logic is a template over the hardware access (MSRs, pause) so host unit tests run both modes against
// a fake that records every register write (tests/unit/test_apic.cpp).
#include "cpu.hpp"
#include <cokernel/boot.h>
#include <stdint.h>

namespace arch {

enum class ApicReg : uint32_t {
    Id = 0x20,
    Tpr = 0x80,
    Eoi = 0xb0,
    Svr = 0xf0,
    IcrLow = 0x300,
    IcrHigh = 0x310,
    LvtTimer = 0x320,
    TimerInitial = 0x380,
    TimerCurrent = 0x390,
    TimerDivide = 0x3e0,
};

constexpr uint8_t SPURIOUS_VECTOR = 0xff;
constexpr uint64_t APIC_BASE_ENABLE = 1u << 11;
constexpr uint64_t APIC_BASE_X2APIC = 1u << 10;
constexpr uint32_t ICR_DELIVERY_PENDING = 1u << 12;
constexpr uint32_t ICR_ASSERT = 1u << 14;
constexpr uint32_t ICR_LOGICAL = 1u << 11;
constexpr uint32_t SVR_ENABLE = 1u << 8;
constexpr uint32_t LVT_MASKED = 1u << 16;

constexpr uint32_t x2apic_msr(ApicReg reg) {
    return 0x800 + static_cast<uint32_t>(reg) / 16;
}

// Hw provides: static uint64_t rdmsr(uint32_t), static void wrmsr(uint32_t, uint64_t), static void pause().
template <class Hw>
class BasicApic {
  public:
    // x2apic: Linux runs the APIC in x2APIC mode; apic_phys: the xAPIC MMIO base (both from the boot params);
    // the boot page tables map its 2 MiB page at COKERNEL_APIC_VIRT.
    void init(bool x2apic, uint64_t apic_phys) {
        init_at(x2apic, reinterpret_cast<volatile uint32_t*>(COKERNEL_APIC_VIRT + (apic_phys & 0x1fffff)));
    }
    // mmio: where the xAPIC registers are mapped (unused in x2APIC mode).
    void init_at(bool x2apic, volatile uint32_t* mmio) {
        x2apic_ = x2apic;
        mmio_ = mmio;
        const uint64_t base = Hw::rdmsr(MSR_APIC_BASE);
        if (x2apic) {
            if ((base & (APIC_BASE_ENABLE | APIC_BASE_X2APIC)) != (APIC_BASE_ENABLE | APIC_BASE_X2APIC)) {
                // xAPIC must be enabled before x2APIC can be (SDM 10.12.5).
                Hw::wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
                Hw::wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
            }
        } else if ((base & APIC_BASE_ENABLE) == 0) {
            Hw::wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
        }
        write(ApicReg::Tpr, 0);
        write(ApicReg::LvtTimer, LVT_MASKED); // tickless: no timer interrupt at all
        write(ApicReg::Svr, SVR_ENABLE | SPURIOUS_VECTOR);
    }

    // xAPIC IDs are 8 bits in bits 31:24 of the ID register; x2APIC IDs are the whole 32-bit register.
    uint32_t id() const { return x2apic_ ? read(ApicReg::Id) : read(ApicReg::Id) >> 24; }
    void eoi() { write(ApicReg::Eoi, 0); }
    bool x2apic() const { return x2apic_; }

    // The timer, one-shot, counting the bus clock divided by 16 (TimerDivide 0b0011); masked when unused.
    // timer_calibrate measures its counts per TSC tick against a TSC wait of tsc_ticks (spin(ticks)).
    template <class Spin>
    void timer_calibrate(uint64_t tsc_ticks, Spin&& spin) {
        write(ApicReg::TimerDivide, 0x3);
        write(ApicReg::LvtTimer, LVT_MASKED | timer_vector_);
        write(ApicReg::TimerInitial, 0xffffffffu);
        spin(tsc_ticks);
        const uint32_t left = read(ApicReg::TimerCurrent);
        write(ApicReg::TimerInitial, 0);
        const uint64_t counted = 0xffffffffu - uint64_t{left};
        // counts per 2^20 TSC ticks: fixed point, so slow timers keep their precision
        per_mtsc_ = counted == 0 ? 1 : (counted << 20) / (tsc_ticks == 0 ? 1 : tsc_ticks);
    }
    void timer_set_vector(uint8_t vector) { timer_vector_ = vector; }
    // Fires once after about tsc_ticks TSC ticks (at least one timer count, at most 2^32 - 1).
    void timer_oneshot(uint64_t tsc_ticks) {
        uint64_t count = (tsc_ticks >> 20) * per_mtsc_ + (((tsc_ticks & 0xfffff) * per_mtsc_) >> 20);
        count = count == 0 ? 1 : (count > 0xffffffffu ? 0xffffffffu : count);
        write(ApicReg::LvtTimer, timer_vector_); // one-shot, not masked
        write(ApicReg::TimerInitial, static_cast<uint32_t>(count));
    }
    void timer_stop() {
        write(ApicReg::LvtTimer, LVT_MASKED | timer_vector_);
        write(ApicReg::TimerInitial, 0);
    }

    // A fixed-delivery IPI with the given vector to one APIC ID (logical: a logical destination instead).
    // x2APIC: one 64-bit write of the ICR MSR, destination in bits 63:32. xAPIC: wait until the previous IPI
    // left, destination in bits 31:24 of ICR high, then the write of ICR low sends.
    void send_ipi(uint32_t dest, uint8_t vector, bool logical = false) {
        const uint32_t low = ICR_ASSERT | (logical ? ICR_LOGICAL : 0) | vector;
        if (x2apic_) {
            Hw::wrmsr(x2apic_msr(ApicReg::IcrLow), (uint64_t{dest} << 32) | low);
            return;
        }
        while ((read(ApicReg::IcrLow) & ICR_DELIVERY_PENDING) != 0) {
            Hw::pause();
        }
        write(ApicReg::IcrHigh, dest << 24);
        write(ApicReg::IcrLow, low);
    }

  private:
    uint32_t read(ApicReg reg) const {
        if (x2apic_) {
            return static_cast<uint32_t>(Hw::rdmsr(x2apic_msr(reg)));
        }
        return mmio_[static_cast<uint32_t>(reg) / 4];
    }
    void write(ApicReg reg, uint32_t value) {
        if (x2apic_) {
            Hw::wrmsr(x2apic_msr(reg), value);
        } else {
            mmio_[static_cast<uint32_t>(reg) / 4] = value;
        }
    }

    bool x2apic_ = false;
    volatile uint32_t* mmio_ = nullptr;
    uint8_t timer_vector_ = 0;
    uint64_t per_mtsc_ = 1;
};

struct CpuApicHw {
    static uint64_t rdmsr(uint32_t msr) { return arch::rdmsr(msr); }
    static void wrmsr(uint32_t msr, uint64_t value) { arch::wrmsr(msr, value); }
    static void pause() { arch::pause(); }
};

// The co-kernel's APIC: BasicApic over the real MSR instructions.
class Apic : public BasicApic<CpuApicHw> {};

} // namespace arch

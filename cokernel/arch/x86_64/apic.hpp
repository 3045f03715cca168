#pragma once
// The local APIC in the mode Linux uses: xAPIC (MMIO, mapped by the boot page tables at COKERNEL_APIC_VIRT)
// or x2APIC (MSRs, 32-bit IDs). Register numbers are the xAPIC offsets; x2APIC MSR = 0x800 + offset / 16.
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
};

class Apic {
  public:
    // x2apic: Linux runs the APIC in x2APIC mode; apic_phys: the xAPIC MMIO base (both from the boot params).
    void init(bool x2apic, uint64_t apic_phys);
    uint32_t id() const;
    void eoi() { write(ApicReg::Eoi, 0); }
    // A fixed-delivery IPI with the given vector to one APIC ID (logical: a logical destination instead).
    void send_ipi(uint32_t dest, uint8_t vector, bool logical = false);
    bool x2apic() const { return x2apic_; }

  private:
    uint32_t read(ApicReg reg) const;
    void write(ApicReg reg, uint32_t value);

    bool x2apic_ = false;
    volatile uint32_t* mmio_ = nullptr;
};

constexpr uint8_t SPURIOUS_VECTOR = 0xff;

} // namespace arch

// The co-kernel's local APIC code in both modes, over a fake that records every MSR and MMIO access. Expected
// values come from the Intel SDM (vol. 3, ch. 10): x2APIC MSR = 0x800 + xAPIC offset / 16; the x2APIC ICR is
// one 64-bit MSR (0x830) with the destination in bits 63:32; the xAPIC ICR is two 32-bit registers, the
// destination in bits 31:24 of ICR high (0x310), and writing ICR low (0x300) sends.
#include "apic.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace {

struct FakeHw {
    static inline std::map<std::uint32_t, std::uint64_t> msrs;
    static inline std::vector<std::pair<std::uint32_t, std::uint64_t>> writes;
    static inline int pauses = 0;
    static std::uint64_t rdmsr(std::uint32_t msr) { return msrs[msr]; }
    static void wrmsr(std::uint32_t msr, std::uint64_t value) {
        msrs[msr] = value;
        writes.emplace_back(msr, value);
    }
    static void pause() { ++pauses; }
    static void reset(std::uint64_t apic_base) {
        msrs.clear();
        writes.clear();
        pauses = 0;
        msrs[0x1b] = apic_base;
    }
};

using TestApic = arch::BasicApic<FakeHw>;

} // namespace

TEST_CASE("x2APIC: MSR numbers follow the xAPIC offsets", "[apic]") {
    CHECK(arch::x2apic_msr(arch::ApicReg::Id) == 0x802);
    CHECK(arch::x2apic_msr(arch::ApicReg::Eoi) == 0x80b);
    CHECK(arch::x2apic_msr(arch::ApicReg::Svr) == 0x80f);
    CHECK(arch::x2apic_msr(arch::ApicReg::IcrLow) == 0x830);
    CHECK(arch::x2apic_msr(arch::ApicReg::LvtTimer) == 0x832);
}

TEST_CASE("x2APIC: init enables x2APIC mode, masks the timer, enables the APIC", "[apic]") {
    FakeHw::reset(0xfee00000 | (1u << 8)); // BSP flag only: APIC globally disabled
    TestApic apic;
    apic.init_at(true, nullptr);
    REQUIRE(FakeHw::writes.size() == 5);
    CHECK(FakeHw::writes[0] ==
          std::pair<std::uint32_t, std::uint64_t>{0x1b, 0xfee00000 | (1u << 8) | (1u << 11)});
    CHECK(FakeHw::writes[1].second == (0xfee00000 | (1u << 8) | (1u << 11) | (1u << 10)));
    CHECK(FakeHw::msrs[0x808] == 0);                  // TPR
    CHECK(FakeHw::msrs[0x832] == (1u << 16));         // LVT timer masked: tickless
    CHECK(FakeHw::msrs[0x80f] == ((1u << 8) | 0xff)); // SVR: enabled, spurious vector 0xff
    CHECK(apic.x2apic());
}

TEST_CASE("x2APIC: IDs are 32 bits and an IPI is one 64-bit ICR write", "[apic]") {
    FakeHw::reset(0xfee00000 | (1u << 11) | (1u << 10));
    TestApic apic;
    apic.init_at(true, nullptr);
    FakeHw::msrs[0x802] = 0x1234;
    CHECK(apic.id() == 0x1234);
    FakeHw::writes.clear();
    apic.send_ipi(0x1234, 0xec);
    REQUIRE(FakeHw::writes.size() == 1);
    CHECK(FakeHw::writes[0].first == 0x830);
    CHECK(FakeHw::writes[0].second == ((std::uint64_t{0x1234} << 32) | (1u << 14) | 0xec));
    FakeHw::writes.clear();
    apic.send_ipi(3, 0x40, true);
    CHECK(FakeHw::writes.at(0).second == ((std::uint64_t{3} << 32) | (1u << 14) | (1u << 11) | 0x40));
    apic.eoi();
    CHECK(FakeHw::writes.back() == std::pair<std::uint32_t, std::uint64_t>{0x80b, 0});
}

TEST_CASE("xAPIC: registers through MMIO, 8-bit IDs, ICR high before ICR low", "[apic]") {
    FakeHw::reset(0xfee00000 | (1u << 11));
    std::vector<std::uint32_t> regs(1024, 0);
    volatile std::uint32_t* mmio = regs.data();
    TestApic apic;
    apic.init_at(false, mmio);
    CHECK(FakeHw::writes.empty()); // already enabled: no MSR write, and never the x2APIC bit
    CHECK(regs[0x320 / 4] == (1u << 16));
    CHECK(regs[0xf0 / 4] == ((1u << 8) | 0xff));
    regs[0x20 / 4] = 7u << 24;
    CHECK(apic.id() == 7);
    apic.send_ipi(5, 0xec);
    CHECK(regs[0x310 / 4] == (5u << 24));
    CHECK(regs[0x300 / 4] == ((1u << 14) | 0xec));
    CHECK(FakeHw::pauses == 0);
    CHECK_FALSE(apic.x2apic());
}

// Boot-parameter validation (cokernel/kernel/boot_params.hpp): the co-kernel's first check of what the module
// wrote.
#include "boot_params.hpp"

#include <catch2/catch.hpp>

#include <cstring>

namespace {

cokernel_boot_params valid_params() {
    cokernel_boot_params bp{};
    bp.hdr.signature = COKERNEL_SIGNATURE;
    bp.hdr.revision = COKERNEL_BOOT_REVISION;
    bp.hdr.size = sizeof bp;
    bp.enclave_id = 0;
    bp.ncpus = 2;
    bp.cpus[0] = {2, 2};
    bp.cpus[1] = {3, 3};
    bp.nranges = 1;
    bp.ranges[0] = {0x40000000, 256ULL << 20};
    bp.apic_mode = COKERNEL_APIC_XAPIC;
    bp.tsc_khz = 2000000;
    bp.image_phys = 0x40000000;
    bp.image_size = 0x90000;
    bp.console_phys = 0x40092000;
    bp.control_phys = 0x40091000;
    bp.free_phys = 0x40200000;
    std::strcpy(bp.cmdline, "quiet");
    return bp;
}

} // namespace

TEST_CASE("valid boot parameters pass", "[boot_params]") {
    const cokernel_boot_params bp = valid_params();
    CHECK(ck::validate_boot_params(bp) == nullptr);
}

TEST_CASE("each broken field of the boot parameters is named", "[boot_params]") {
    struct Case {
        const char* expect;
        void (*mutate)(cokernel_boot_params&);
    };
    const Case cases[] = {
        {"bad signature", [](cokernel_boot_params& b) { b.hdr.signature = 0; }},
        {"revision", [](cokernel_boot_params& b) { b.hdr.revision = 99; }},
        {"size", [](cokernel_boot_params& b) { b.hdr.size = 8; }},
        {"CPU count", [](cokernel_boot_params& b) { b.ncpus = 0; }},
        {"CPU count", [](cokernel_boot_params& b) { b.ncpus = COKERNEL_MAX_ENCLAVE_CPUS + 1; }},
        {"range count", [](cokernel_boot_params& b) { b.nranges = 0; }},
        {"APIC mode", [](cokernel_boot_params& b) { b.apic_mode = 7; }},
        {"TSC", [](cokernel_boot_params& b) { b.tsc_khz = 0; }},
        {"xAPIC ID", [](cokernel_boot_params& b) { b.cpus[1].apic_id = 300; }},
        {"twice", [](cokernel_boot_params& b) { b.cpus[1].apic_id = 2; }},
        {"unaligned", [](cokernel_boot_params& b) { b.ranges[0].start += 1; }},
        {"empty", [](cokernel_boot_params& b) { b.ranges[0].size = 0; }},
        {"overlap",
         [](cokernel_boot_params& b) {
             b.nranges = 2;
             b.ranges[1] = {0x48000000, 128ULL << 20};
         }},
        {"first memory range", [](cokernel_boot_params& b) { b.image_phys += 4096; }},
        {"first memory range", [](cokernel_boot_params& b) { b.free_phys = 0x60000000; }},
        {"console", [](cokernel_boot_params& b) { b.console_phys = 0x50000000; }},
        {"console", [](cokernel_boot_params& b) { b.control_phys = 0x40200000; }},
        {"NUL", [](cokernel_boot_params& b) { std::memset(b.cmdline, 'x', sizeof b.cmdline); }},
    };
    for (const Case& c : cases) {
        cokernel_boot_params bp = valid_params();
        c.mutate(bp);
        const char* err = ck::validate_boot_params(bp);
        REQUIRE(err != nullptr);
        INFO("expected '" << c.expect << "' in '" << err << "'");
        CHECK(std::strstr(err, c.expect) != nullptr);
    }
}

TEST_CASE("x2APIC allows 32-bit APIC IDs", "[boot_params]") {
    cokernel_boot_params bp = valid_params();
    bp.apic_mode = COKERNEL_APIC_X2APIC;
    bp.cpus[1].apic_id = 70000;
    CHECK(ck::validate_boot_params(bp) == nullptr);
}

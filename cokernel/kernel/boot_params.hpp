#pragma once
// Checks the boot-parameter block before the co-kernel trusts any field of it. Header-only: the host unit
// tests compile the same code. Returns nullptr when the block is usable, else what is wrong.
#include <cokernel/boot.h>
#include <stdint.h>

namespace ck {

inline const char* validate_boot_params(const cokernel_boot_params& bp) {
    if (bp.hdr.signature != COKERNEL_SIGNATURE) {
        return "bad signature";
    }
    if (bp.hdr.revision != COKERNEL_BOOT_REVISION) {
        return "boot protocol revision mismatch";
    }
    if (bp.hdr.size != sizeof(cokernel_boot_params)) {
        return "boot params size mismatch";
    }
    if (bp.ncpus < 1 || bp.ncpus > COKERNEL_MAX_ENCLAVE_CPUS) {
        return "CPU count out of range";
    }
    if (bp.nranges < 1 || bp.nranges > COKERNEL_MAX_MEM_RANGES) {
        return "memory range count out of range";
    }
    if (bp.apic_mode != COKERNEL_APIC_XAPIC && bp.apic_mode != COKERNEL_APIC_X2APIC) {
        return "unknown APIC mode";
    }
    if (bp.tsc_khz == 0) {
        return "TSC frequency is 0";
    }
    for (uint32_t i = 0; i < bp.ncpus; ++i) {
        if (bp.apic_mode == COKERNEL_APIC_XAPIC && bp.cpus[i].apic_id > 0xfe) {
            return "xAPIC ID above 254";
        }
        for (uint32_t j = 0; j < i; ++j) {
            if (bp.cpus[j].apic_id == bp.cpus[i].apic_id) {
                return "APIC ID listed twice";
            }
        }
    }
    constexpr uint64_t page = 4096;
    for (uint32_t i = 0; i < bp.nranges; ++i) {
        const cokernel_mem_range& r = bp.ranges[i];
        if (r.size == 0 || r.start % page != 0 || r.size % page != 0 || r.start + r.size < r.start) {
            return "memory range empty, unaligned or wrapping";
        }
        for (uint32_t j = 0; j < i; ++j) {
            const cokernel_mem_range& o = bp.ranges[j];
            if (r.start < o.start + o.size && o.start < r.start + r.size) {
                return "memory ranges overlap";
            }
        }
    }
    const cokernel_mem_range& first = bp.ranges[0];
    if (bp.image_phys != first.start || bp.free_phys < bp.image_phys + bp.image_size ||
        bp.free_phys > first.start + first.size) {
        return "image or module area outside the first memory range";
    }
    auto inside_used = [&](uint64_t p, uint64_t size) {
        return p >= bp.image_phys && p + size <= bp.free_phys && p + size > p;
    };
    if (!inside_used(bp.console_phys, sizeof(cokernel_console) + COKERNEL_CONSOLE_DATA_SIZE) ||
        !inside_used(bp.control_phys, sizeof(cokernel_control))) {
        return "console or control block outside the module area";
    }
    bool terminated = false;
    for (char c : bp.cmdline) {
        terminated = terminated || c == '\0';
    }
    if (!terminated) {
        return "command line not NUL-terminated";
    }
    return nullptr;
}

} // namespace ck

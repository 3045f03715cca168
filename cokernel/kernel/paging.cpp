#include "paging.hpp"

#include "console.hpp"
#include "cpu.hpp"
#include "job_memory.hpp"
#include "kernel.hpp"
#include "page_table.hpp"

extern "C" char __image_start[], __rodata_start[], __data_start[], __image_end[];

namespace ck {
namespace {

uint64_t g_root = 0;
bool g_nx = false;

bool cpu_has_nx() {
    return (arch::cpuid(0x80000001).d & (1u << 20)) != 0;
}

uint64_t virt_of(const char* p) {
    return reinterpret_cast<uint64_t>(p);
}

} // namespace

bool paging_build(const cokernel_boot_params& bp, PhysAllocator<64>& phys) {
    g_nx = cpu_has_nx();
    const uint64_t nx = g_nx ? pte::NX : 0;
    DirectMapTables mem(phys);
    g_root = mem.alloc_table();
    if (g_root == 0) {
        return false;
    }
    PageTableBuilder<DirectMapTables> pt(mem, g_root);
    const uint64_t base = virt_of(__image_start);
    auto phys_of = [&](const char* v) { return bp.image_phys + (virt_of(v) - base); };
    const uint64_t end = (virt_of(__image_end) + 4095) & ~uint64_t{4095};
    bool ok =
        pt.map(base, bp.image_phys, virt_of(__rodata_start) - base, 0) &&
        pt.map(virt_of(__rodata_start), phys_of(__rodata_start),
               virt_of(__data_start) - virt_of(__rodata_start), nx) &&
        pt.map(virt_of(__data_start), phys_of(__data_start), end - virt_of(__data_start), pte::WRITE | nx);
    for (uint32_t i = 0; ok && i < bp.nranges; ++i) {
        ok = pt.map(COKERNEL_PHYSMAP_BASE + bp.ranges[i].start, bp.ranges[i].start, bp.ranges[i].size,
                    pte::WRITE | nx);
    }
    ok = ok && job_window_map(pt, nx); // the job's memory, contiguous for the kernel (job_memory.hpp)
    ok = ok && pt.map(COKERNEL_APIC_VIRT, bp.apic_phys & ~uint64_t{0x1fffff}, 2ULL << 20,
                      pte::WRITE | pte::PCD | pte::PWT | nx);
    if (ok) {
        kprintf("paging: own tables (%u pages): image text r-x, rodata r--, data rw-%s; enclave memory, "
                "the job window and APIC only\n",
                mem.tables(), g_nx ? ", no-execute on data" : "");
    }
    return ok;
}

uint64_t paging_root() {
    return g_root;
}

bool paging_nx() {
    return g_nx;
}

void paging_switch() {
    constexpr uint32_t MSR_EFER = 0xc0000080;
    if (g_nx) {
        arch::wrmsr(MSR_EFER, arch::rdmsr(MSR_EFER) | (1u << 11));
    }
    arch::write_cr3(g_root);
}

} // namespace ck

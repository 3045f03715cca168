#pragma once
// The co-kernel's own page tables: only enclave memory (and its job window) and the local APIC, with W^X on
// the image. CPU 0 builds them once (from the page allocator); every CPU then switches to them and drops the
// boot tables, whose identity map of the first 2 MiB (for the trampoline) belongs to Linux's memory.
#include "kernel.hpp"
#include "phys_alloc.hpp"

#include <cokernel/boot.h>
#include <stdint.h>

namespace ck {

// Where the co-kernel maps nothing, ever: PML4 slot 448, above the job window (job_memory.hpp, which stops
// below it) and below the image (COKERNEL_LINK_BASE). `cokernel fault page-fault|stack` touch it.
constexpr uint64_t NEVER_MAPPED_VA = 0xffffe00000000000ULL;

// The page-table builder's memory (PageTableBuilder<DirectMapTables>): tables come from the page allocator,
// zeroed, and are read and written through the direct map. Used for the co-kernel's own tables and for jobs'.
class DirectMapTables {
  public:
    explicit DirectMapTables(PhysAllocator<64>& phys) : phys_(phys) {}
    uint64_t read(uint64_t p) const { return *phys_to_virt<volatile uint64_t>(p); }
    void write(uint64_t p, uint64_t v) { *phys_to_virt<volatile uint64_t>(p) = v; }
    uint64_t alloc_table() {
        const uint64_t p = phys_.alloc(PhysAllocator<64>::PAGE);
        if (p != 0) {
            auto* words = phys_to_virt<volatile uint64_t>(p);
            for (unsigned i = 0; i < 512; ++i) {
                words[i] = 0;
            }
            ++tables_;
        }
        return p;
    }
    void free_table(uint64_t p) { (void)phys_.free(p, PhysAllocator<64>::PAGE); }
    unsigned tables() const { return tables_; } // allocated by this object

  private:
    PhysAllocator<64>& phys_;
    unsigned tables_ = 0;
};

// false: out of memory (the caller panics).
bool paging_build(const cokernel_boot_params& bp, PhysAllocator<64>& phys);
// Loads the tables built by paging_build on this CPU (enables no-execute first when the CPU has it).
void paging_switch();
// Physical address of the co-kernel's PML4 (jobs add their user mappings to the lower half).
uint64_t paging_root();
// True when the CPU has no-execute (EFER.NXE is set by paging_switch): only then may entries carry NX.
bool paging_nx();

} // namespace ck

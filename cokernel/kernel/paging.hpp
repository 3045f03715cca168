#pragma once
// The co-kernel's own page tables: only enclave memory and the local APIC, with W^X on the image. CPU 0
// builds them once (from the page allocator); every CPU then switches to them and drops the boot tables,
// whose identity map of the first 2 MiB (for the trampoline) belongs to Linux's memory.
#include "phys_alloc.hpp"

#include <cokernel/boot.h>
#include <stdint.h>

namespace ck {

// false: out of memory (the caller panics).
bool paging_build(const cokernel_boot_params& bp, PhysAllocator<64>& phys);
// Loads the tables built by paging_build on this CPU (enables no-execute first when the CPU has it).
void paging_switch();
// Physical address of the co-kernel's PML4 (jobs add their user mappings to the lower half).
uint64_t paging_root();
// True when the CPU has no-execute (EFER.NXE is set by paging_switch): only then may entries carry NX.
bool paging_nx();

} // namespace ck

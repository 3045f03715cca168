// The job space's pieces, the co-kernel's window on them and the job's user page tables (job_memory.hpp).
#include "job_memory.hpp"

#include "percpu.hpp"
#include "process.hpp"
#include "tlb.hpp"

#include "cpu.hpp"
#include "kernel.hpp"
#include "load_plan.hpp"

namespace ck {
namespace {

constexpr uint64_t LARGE = 2ULL << 20;
constexpr uint64_t USER_LINK = pte::PRESENT | pte::WRITE | pte::USER; // tables above a user page

cokernel_job_piece g_pieces[COKERNEL_MAX_MEM_RANGES];
uint32_t g_npieces = 0;
uint64_t g_space = 0;
PhysAllocator<64>* g_phys = nullptr; // the job's page tables come from here (map_user)

// Calls f(va, phys, size) for each piece's part of the job's memory.
template <class F>
bool for_each_piece(F&& f) {
    const uint64_t mem = job_memory_size();
    for (uint32_t i = 0; i < g_npieces; ++i) {
        const cokernel_job_piece& p = g_pieces[i];
        const uint64_t size = p.off >= mem ? 0 : p.size < mem - p.off ? p.size : mem - p.off;
        if (size != 0 && !f(p.off, p.phys, size)) {
            return false;
        }
    }
    return true;
}

uint64_t* table(uint64_t* parent, unsigned idx) {
    if ((parent[idx] & pte::PRESENT) == 0) {
        const uint64_t page = g_phys->alloc(PhysAllocator<64>::PAGE);
        if (page == 0) {
            return nullptr;
        }
        auto* words = phys_to_virt<uint64_t>(page);
        for (unsigned i = 0; i < 512; ++i) {
            words[i] = 0;
        }
        parent[idx] = page | USER_LINK;
    }
    return phys_to_virt<uint64_t>(parent[idx] & pte::ADDR);
}

// Linux PROT_* bits as the PRESENT, WRITE and NX bits of a page.
uint64_t prot_access(uint32_t prot) {
    uint64_t access = 0;
    if ((prot & (elf::prot::READ | elf::prot::WRITE | elf::prot::EXEC)) != 0) {
        access |= pte::PRESENT; // on x86 without protection keys, write and execute imply read
    }
    if ((prot & elf::prot::WRITE) != 0) {
        access |= pte::WRITE;
    }
    if ((prot & elf::prot::EXEC) == 0 && paging_nx()) {
        access |= pte::NX;
    }
    return access;
}

} // namespace

bool job_space_init(const cokernel_boot_params& bp) {
    g_npieces = 0;
    g_space = cokernel_job_space(bp.ranges, bp.nranges, g_pieces);
    if (g_space > JOB_WINDOW_MAX) {
        g_space = 0; // more than the window holds
    }
    for (uint32_t i = 0; g_space != 0 && i < bp.nranges; ++i) {
        if ((g_pieces[i].phys | g_pieces[i].size) % LARGE != 0) {
            g_space = 0; // map_user builds 2 MiB pages only
        }
    }
    g_npieces = g_space != 0 ? bp.nranges : 0;
    return g_space != 0;
}

uint64_t job_space_size() {
    return g_space;
}

uint64_t job_memory_size() {
    return g_space == 0 ? 0 : cokernel_job_memory(g_space);
}

uint64_t job_ctl_phys() {
    const cokernel_job_piece& last = g_pieces[g_npieces - 1];
    return last.phys + (job_memory_size() - last.off);
}

bool job_window_map(PageTableBuilder<DirectMapTables>& pt, uint64_t nx) {
    return for_each_piece([&](uint64_t off, uint64_t phys, uint64_t size) {
        return pt.map(JOB_WINDOW + off, phys, size, pte::WRITE | nx);
    });
}

uint8_t* job_window(uint64_t va, uint64_t len) {
    const uint64_t mem = job_memory_size();
    if (len == 0 || va < COKERNEL_JOB_VA_BASE || va - COKERNEL_JOB_VA_BASE > mem ||
        len > mem - (va - COKERNEL_JOB_VA_BASE)) {
        return nullptr;
    }
    return reinterpret_cast<uint8_t*>(JOB_WINDOW + (va - COKERNEL_JOB_VA_BASE));
}

bool map_user(PhysAllocator<64>& phys) {
    g_phys = &phys;
    auto* pml4 = phys_to_virt<uint64_t>(paging_root());
    const uint64_t nx = paging_nx() ? pte::NX : 0;
    const bool ok = for_each_piece([&](uint64_t off, uint64_t pa, uint64_t size) {
        for (uint64_t done = 0; done < size; done += LARGE) {
            const uint64_t v = COKERNEL_JOB_VA_BASE + off + done;
            uint64_t* pdpt = table(pml4, (v >> 39) & 511);
            uint64_t* pd = pdpt != nullptr ? table(pdpt, (v >> 30) & 511) : nullptr;
            if (pd == nullptr) {
                return false;
            }
            pd[(v >> 21) & 511] = (pa + done) | pte::PRESENT | pte::WRITE | pte::USER | pte::LARGE | nx;
        }
        return true;
    });
    arch::write_cr3(arch::read_cr3());
    return ok;
}

void unmap_user() {
    DirectMapTables mem(*g_phys);
    PageTableBuilder<DirectMapTables> pt(mem, paging_root());
    pt.for_each_split_table([&](uint64_t t) { mem.free_table(t); });
    auto* pml4 = phys_to_virt<uint64_t>(paging_root());
    for (unsigned i = 0; i < 256; ++i) {
        if ((pml4[i] & pte::PRESENT) == 0) {
            continue;
        }
        auto* pdpt = phys_to_virt<uint64_t>(pml4[i] & pte::ADDR);
        for (unsigned j = 0; j < 512; ++j) {
            if ((pdpt[j] & pte::PRESENT) != 0) {
                (void)g_phys->free(pdpt[j] & pte::ADDR, PhysAllocator<64>::PAGE);
            }
        }
        (void)g_phys->free(pml4[i] & pte::ADDR, PhysAllocator<64>::PAGE);
        pml4[i] = 0;
    }
    arch::write_cr3(arch::read_cr3());
}

bool user_protect(uint64_t va, uint64_t len, uint32_t prot) {
    if (len == 0) {
        return true;
    }
    DirectMapTables mem(*g_phys);
    PageTableBuilder<DirectMapTables> pt(mem, paging_root());
    const bool ok = pt.protect(va, len, prot_access(prot), USER_LINK);
    // Every CPU that ran the job's threads may cache the old entries (kernel/tlb.hpp).
    const Thread* self = current_thread();
    tlb_shootdown(self != nullptr ? __atomic_load_n(&self->process->cpus_used, __ATOMIC_ACQUIRE) : 0);
    return ok;
}

uint32_t user_prot(uint64_t va) {
    DirectMapTables mem(*g_phys);
    const PageTableBuilder<DirectMapTables> pt(mem, paging_root());
    const uint64_t e = pt.leaf(va);
    if ((e & pte::PRESENT) == 0) {
        return 0;
    }
    uint32_t prot = elf::prot::READ;
    if ((e & pte::WRITE) != 0) {
        prot |= elf::prot::WRITE;
    }
    if ((e & pte::NX) == 0) {
        prot |= elf::prot::EXEC;
    }
    return prot;
}

bool tables_left(unsigned count) {
    return g_phys != nullptr && g_phys->free_bytes() >= uint64_t{count} * PhysAllocator<64>::PAGE;
}

} // namespace ck

namespace ck {

void lock_interruptible(Spinlock& l) {
    l.lock_with([] { arch::pause_interruptible(); });
}

} // namespace ck

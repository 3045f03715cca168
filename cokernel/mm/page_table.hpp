#pragma once
// x86-64 4-level page-table construction over a memory policy, so the same code builds the co-kernel's tables
// and runs in host unit tests against a fake memory that records every write.
//
// Mem must provide:
//   uint64_t read(uint64_t phys);             // one 8-byte entry
//   void write(uint64_t phys, uint64_t value); // one 8-byte entry
//   uint64_t alloc_table();                   // a zeroed 4 KiB page (physical), 0 when out of memory
// A new table is linked into its parent only after it exists (zeroed), so every intermediate state of the
// tables maps either nothing or the final page for any address.
#include <stdint.h>

namespace ck {

namespace pte {
constexpr uint64_t PRESENT = 1u << 0;
constexpr uint64_t WRITE = 1u << 1;
constexpr uint64_t USER = 1u << 2;
constexpr uint64_t PWT = 1u << 3;
constexpr uint64_t PCD = 1u << 4;
constexpr uint64_t LARGE = 1u << 7;
constexpr uint64_t NX = uint64_t{1} << 63;
constexpr uint64_t ADDR = 0x000ffffffffff000ULL;
} // namespace pte

template <class Mem>
class PageTableBuilder {
  public:
    static constexpr uint64_t PAGE = 4096;
    static constexpr uint64_t LARGE_PAGE = 2ULL << 20;
    static constexpr uint64_t NOT_MAPPED = ~uint64_t{0};

    PageTableBuilder(Mem& mem, uint64_t root) : mem_(mem), root_(root) {}

    // Maps [virt, virt + size) to [phys, ...) with flags (WRITE, PCD, PWT, NX). 2 MiB pages where both
    // addresses and the remaining size allow, else 4 KiB pages. Fails (false) on misalignment, on an address
    // that is already mapped, or when no table page is left.
    bool map(uint64_t virt, uint64_t phys, uint64_t size, uint64_t flags) {
        if (virt % PAGE != 0 || phys % PAGE != 0 || size % PAGE != 0 || (flags & ~ALLOWED) != 0) {
            return false;
        }
        while (size > 0) {
            const bool large = virt % LARGE_PAGE == 0 && phys % LARGE_PAGE == 0 && size >= LARGE_PAGE;
            const uint64_t step = large ? LARGE_PAGE : PAGE;
            if (!map_one(virt, phys, flags, large)) {
                return false;
            }
            virt += step;
            phys += step;
            size -= step;
        }
        return true;
    }

    // The physical address virt maps to, or NOT_MAPPED.
    uint64_t translate(uint64_t virt) const {
        uint64_t table = root_;
        for (int level = 3; level >= 0; --level) {
            const uint64_t e = mem_.read(table + index(virt, level) * 8);
            if ((e & pte::PRESENT) == 0) {
                return NOT_MAPPED;
            }
            if (level == 0) {
                return (e & pte::ADDR) | (virt & (PAGE - 1));
            }
            if (level == 1 && (e & pte::LARGE) != 0) {
                return (e & pte::ADDR & ~(LARGE_PAGE - 1)) | (virt & (LARGE_PAGE - 1));
            }
            table = e & pte::ADDR;
        }
        return NOT_MAPPED;
    }

    // Sets the access of every page in [virt, virt + size), which must be mapped: the leaf bits PRESENT,
    // WRITE and NX become those of access (a subset of them; without PRESENT the page is not present, its
    // address and other bits stay for a later call), the rest are kept. A 2 MiB page that the range covers
    // only in part is first split into a table of 512 4 KiB pages with its flags (the table comes from
    // alloc_table and is linked with link_flags); whole 2 MiB pages stay 2 MiB. Only the two boundary pages
    // can need a split (not when it has the access already), and both are split before any access changes,
    // so running out of tables (false) changes what the tables map for no address; false also on misaligned
    // arguments and on a range that is not mapped. The caller flushes the TLB.
    bool protect(uint64_t virt, uint64_t size, uint64_t access, uint64_t link_flags) {
        if (virt % PAGE != 0 || size % PAGE != 0 || (access & ~ACCESS) != 0 || virt + size < virt) {
            return false;
        }
        if (size == 0) {
            return true;
        }
        const uint64_t end = virt + size;
        if (!split_if_inside(virt, virt, end, access, link_flags) ||
            !split_if_inside(end - PAGE, virt, end, access, link_flags)) {
            return false;
        }
        for (uint64_t v = virt; v < end;) {
            const uint64_t slot = leaf_slot(v);
            if (slot == 0) {
                return false; // a hole in the range: only the entries before it changed
            }
            const uint64_t e = mem_.read(slot);
            if ((e & ACCESS) != access) {
                mem_.write(slot, (e & ~ACCESS) | access);
            }
            v = (e & pte::LARGE) != 0 ? (v & ~(LARGE_PAGE - 1)) + LARGE_PAGE : v + PAGE;
        }
        return true;
    }

    // The leaf entry for virt (a 2 MiB or 4 KiB page, present or made not present by protect), 0 when none.
    uint64_t leaf(uint64_t virt) const {
        const uint64_t slot = leaf_slot(virt);
        return slot == 0 ? 0 : mem_.read(slot);
    }

    // Every 4 KiB page table that a split created under the lower (user) half, for freeing: calls
    // free_table(phys) for each and clears its link. 2 MiB leaves (present or not) are left alone.
    template <class F>
    void for_each_split_table(F free_table) {
        for (uint64_t i = 0; i < 256; ++i) {
            const uint64_t e4 = mem_.read(root_ + i * 8);
            if ((e4 & pte::PRESENT) == 0) {
                continue;
            }
            for (uint64_t j = 0; j < 512; ++j) {
                const uint64_t e3 = mem_.read((e4 & pte::ADDR) + j * 8);
                if ((e3 & pte::PRESENT) == 0 || (e3 & pte::LARGE) != 0) {
                    continue;
                }
                for (uint64_t k = 0; k < 512; ++k) {
                    const uint64_t slot = (e3 & pte::ADDR) + k * 8;
                    const uint64_t e2 = mem_.read(slot);
                    if ((e2 & pte::PRESENT) != 0 && (e2 & pte::LARGE) == 0) {
                        mem_.write(slot, 0);
                        free_table(e2 & pte::ADDR);
                    }
                }
            }
        }
    }

    uint64_t root() const { return root_; }

  private:
    static constexpr uint64_t ALLOWED = pte::WRITE | pte::PCD | pte::PWT | pte::NX;
    static constexpr uint64_t ACCESS = pte::PRESENT | pte::WRITE | pte::NX;

    static uint64_t index(uint64_t virt, int level) { return (virt >> (12 + 9 * level)) & 511; }

    // The table the entry at (table, idx) points to, created if absent; 0 on failure.
    uint64_t next(uint64_t table, uint64_t idx) {
        const uint64_t e = mem_.read(table + idx * 8);
        if ((e & pte::PRESENT) != 0) {
            return (e & pte::LARGE) != 0 ? 0 : e & pte::ADDR;
        }
        const uint64_t child = mem_.alloc_table();
        if (child == 0) {
            return 0;
        }
        mem_.write(table + idx * 8, child | pte::PRESENT | pte::WRITE);
        return child;
    }

    bool map_one(uint64_t virt, uint64_t phys, uint64_t flags, bool large) {
        uint64_t table = root_;
        const int leaf_level = large ? 1 : 0;
        for (int level = 3; level > leaf_level; --level) {
            table = next(table, index(virt, level));
            if (table == 0) {
                return false;
            }
        }
        const uint64_t slot = table + index(virt, leaf_level) * 8;
        if ((mem_.read(slot) & pte::PRESENT) != 0) {
            return false;
        }
        mem_.write(slot, phys | flags | pte::PRESENT | (large ? pte::LARGE : 0));
        return true;
    }

    // The slot of virt's leaf: a 2 MiB entry (LARGE, present or not) or a 4 KiB entry that is not zero.
    uint64_t leaf_slot(uint64_t virt) const {
        uint64_t table = root_;
        for (int level = 3; level >= 2; --level) {
            const uint64_t e = mem_.read(table + index(virt, level) * 8);
            if ((e & pte::PRESENT) == 0 || (e & pte::LARGE) != 0) {
                return 0;
            }
            table = e & pte::ADDR;
        }
        const uint64_t pd_slot = table + index(virt, 1) * 8;
        const uint64_t pde = mem_.read(pd_slot);
        if ((pde & pte::LARGE) != 0) {
            return pd_slot;
        }
        if ((pde & pte::PRESENT) == 0) {
            return 0;
        }
        const uint64_t pt_slot = (pde & pte::ADDR) + index(virt, 0) * 8;
        return mem_.read(pt_slot) != 0 ? pt_slot : 0;
    }

    // Splits the 2 MiB page holding virt when [start, end) covers it only in part. The new table holds the
    // same pages with the same flags before it is linked, so every state maps what the large page did.
    // A large page that already has the access needs no split.
    bool split_if_inside(uint64_t virt, uint64_t start, uint64_t end, uint64_t access, uint64_t link_flags) {
        const uint64_t base = virt & ~(LARGE_PAGE - 1);
        if (start <= base && end - base >= LARGE_PAGE) {
            return true; // covered whole (end > base: virt is inside the range)
        }
        const uint64_t slot = leaf_slot(virt);
        if (slot == 0) {
            return false;
        }
        const uint64_t e = mem_.read(slot);
        if ((e & pte::LARGE) == 0 || (e & ACCESS) == access) {
            return true; // already 4 KiB pages, or nothing changes in this one
        }
        const uint64_t child = mem_.alloc_table();
        if (child == 0) {
            return false;
        }
        const uint64_t phys = e & pte::ADDR & ~(LARGE_PAGE - 1);
        const uint64_t flags = e & ~pte::ADDR & ~pte::LARGE;
        for (uint64_t i = 0; i < 512; ++i) {
            mem_.write(child + i * 8, (phys + i * PAGE) | flags);
        }
        mem_.write(slot, child | link_flags | pte::PRESENT);
        return true;
    }

    Mem& mem_;
    uint64_t root_;
};

} // namespace ck

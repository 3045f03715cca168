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

    uint64_t root() const { return root_; }

  private:
    static constexpr uint64_t ALLOWED = pte::WRITE | pte::PCD | pte::PWT | pte::NX;

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

    Mem& mem_;
    uint64_t root_;
};

} // namespace ck

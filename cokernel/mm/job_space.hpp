#pragma once
// A job's address space: which pages of its memory [base, end) are in use and by what, for brk, mmap, munmap,
// mremap, mprotect, madvise and mincore. LWK style (docs/run.md, "The job space"): every page is backed and
// mapped from the start, always to the same physical page, so this only says which addresses are in use;
// "moving" a mapping means the caller copies its bytes.
//
// Layout: the executable's image at the bottom [base, image_end), the brk heap growing up from image_end,
// anonymous mappings taken top-down below the stack's guard gap, the stack at the top. brk and mmap share one
// pool, as on Linux. Pages at and above map_top() (the guard gap and the stack) are only taken where the job
// names them (MAP_FIXED, MREMAP_FIXED); placement, brk growth and in-place mremap growth stay below it.
//
// Every operation either does all it says or changes nothing and says why; the outcomes are Linux's errnos
// for the operation (errno_of). Lengths and addresses from the job are checked for wrap-around before any
// sum. Freestanding; host-tested against a per-page model (tests/unit/test_job_space.cpp).
#include <stddef.h>
#include <stdint.h>

namespace ck {

enum class PageKind : uint8_t { free, image, brk, anon, stack };

enum class MemResult : uint8_t {
    ok,
    exists,     // MAP_FIXED_NOREPLACE: a page of the range is in use (EEXIST)
    no_memory,  // nothing fits, outside the job's memory, or the table of extents is full (ENOMEM)
    not_mapped, // mremap: the old range is not entirely in use (EFAULT)
    invalid,    // an unaligned address, a zero or wrapping length, unknown flags (EINVAL)
};

constexpr int64_t errno_of(MemResult r) {
    switch (r) {
    case MemResult::ok:
        return 0;
    case MemResult::exists:
        return 17;
    case MemResult::no_memory:
        return 12;
    case MemResult::not_mapped:
        return 14;
    case MemResult::invalid:
        return 22;
    }
    return 22;
}

// What map, map_fixed, unmap and remap did. [addr, addr + len) is the mapping now (unmap: the part of the
// range inside the job's memory, to make not present). Its first `kept` bytes hold the old mapping's contents
// (remap; copy them from the old address first when `moved`); [addr + kept, addr + len) is new: the caller
// zeroes it. [freed, freed + freed_len) is no longer in use (remap: the old range after a move, the tail
// after a shrink).
struct MapResult {
    MemResult result;
    uint64_t addr, len, kept;
    bool moved;
    uint64_t freed, freed_len;
};

// N: the most extents (maximal runs of pages of one kind). Free pages take none, and top-down placement packs
// mappings against each other, where same-kind neighbours merge; so extents count the holes that munmap
// leaves between live mappings (glibc: freed large mallocs, trimmed arena heaps) and the places where kinds
// change, not the mappings. 512 covers hundreds of such holes, costs 12 KiB per job, and keeps each
// operation's linear pass over the table to a few microseconds. Linux's vm.max_map_count (65530) is per VMA,
// with no such merging.
template <uint32_t N = 512>
class JobSpace {
  public:
    static constexpr uint64_t PAGE = 4096;
    static constexpr uint64_t REMAP_MAYMOVE = 1, REMAP_FIXED = 2; // Linux's MREMAP_* values
    static constexpr uint32_t capacity = N;

    struct Extent {
        uint64_t start, end; // page aligned, start < end
        PageKind kind;       // never free in the table
    };

    // The image [base, image_end) and the stack [base + size - stack_size, base + size) are in use, with a
    // free guard gap of `guard` bytes below the stack that only MAP_FIXED takes; all page aligned. invalid
    // for a layout that does not fit: the space is then empty and refuses everything.
    [[nodiscard]] MemResult init(uint64_t base, uint64_t size, uint64_t image_end, uint64_t stack_size,
                                 uint64_t guard) {
        n_ = 0; // empty until the layout is known to fit (no temporary: the object is 12 KiB)
        base_ = end_ = stack_start_ = map_top_ = brk_start_ = brk_ = 0;
        const uint64_t unaligned = (base | size | image_end | stack_size | guard) % PAGE;
        if (unaligned != 0 || size == 0 || size > UINT64_MAX - base || image_end < base ||
            image_end > base + size) {
            return MemResult::invalid;
        }
        const uint64_t room = base + size - image_end;
        if (stack_size > room || guard > room - stack_size) {
            return MemResult::invalid;
        }
        base_ = base;
        end_ = base + size;
        stack_start_ = end_ - stack_size;
        map_top_ = stack_start_ - guard;
        brk_start_ = brk_ = image_end;
        if (image_end > base) {
            r_[n_++] = {base, image_end, PageKind::image};
        }
        if (stack_size > 0) {
            r_[n_++] = {stack_start_, end_, PageKind::stack};
        }
        return MemResult::ok;
    }

    // brk(2): the break is byte exact, its pages [brk_start, page_up(brk)) are brk pages where nothing
    // replaced them. Growing needs the new pages free and below map_top (exists where a mapping is in the
    // way, no_memory beyond map_top or with the table full); shrinking frees only brk pages, so a mapping
    // placed over the heap survives (Linux would unmap it). Below brk_start or beyond the space: invalid. The
    // caller returns brk() in every case; before a shrink, for_each_mapped over [page_up(new), page_up(old))
    // finds the brk pages to make not present.
    uint64_t brk() const { return brk_; }
    uint64_t brk_start() const { return brk_start_; }
    [[nodiscard]] MemResult set_brk(uint64_t addr) {
        if (addr < brk_start_ || addr > end_) {
            return MemResult::invalid;
        }
        const uint64_t old_top = page_up(brk_);
        const uint64_t new_top = page_up(addr);
        if (new_top > old_top) {
            if (new_top > map_top_) {
                return MemResult::no_memory;
            }
            if (any_used(old_top, new_top)) {
                return MemResult::exists;
            }
            const Extent grown{old_top, new_top, PageKind::brk};
            if (!apply(&grown, 1)) {
                return MemResult::no_memory;
            }
        } else {
            free_brk_pages(new_top, old_top);
        }
        brk_ = addr;
        return MemResult::ok;
    }

    // mmap(2) without MAP_FIXED: the hint (rounded up to a page, as Linux does) where [hint, hint + len) is
    // free and below map_top, otherwise the highest free range below map_top that fits (Linux's top-down
    // first fit).
    [[nodiscard]] MapResult map(uint64_t len, uint64_t hint = 0) {
        if (len == 0) {
            return failed(MemResult::invalid);
        }
        const uint64_t pages = page_up(len);
        if (pages == 0 || pages > map_top_ - base_) {
            return failed(MemResult::no_memory);
        }
        uint64_t addr = page_up(hint);
        if (addr == 0 || addr < base_ || addr > map_top_ || pages > map_top_ - addr ||
            any_used(addr, addr + pages)) {
            if (!find_top_down(pages, addr)) {
                return failed(MemResult::no_memory);
            }
        }
        const Extent mapped{addr, addr + pages, PageKind::anon};
        if (!apply(&mapped, 1)) {
            return failed(MemResult::no_memory);
        }
        return {MemResult::ok, addr, pages, 0, false, 0, 0};
    }

    // MAP_FIXED: the range's pages, whatever they were (image, brk, stack), become one anonymous mapping.
    // MAP_FIXED_NOREPLACE (noreplace): exists when any page of the range is in use. Linux's order of checks:
    // a zero length, a wrapping length or a range outside the space (no_memory), an unaligned address.
    [[nodiscard]] MapResult map_fixed(uint64_t addr, uint64_t len, bool noreplace) {
        if (len == 0) {
            return failed(MemResult::invalid);
        }
        const uint64_t pages = page_up(len);
        if (pages == 0 || !inside(addr, pages)) {
            return failed(MemResult::no_memory);
        }
        if (addr % PAGE != 0) {
            return failed(MemResult::invalid);
        }
        if (noreplace && any_used(addr, addr + pages)) {
            return failed(MemResult::exists);
        }
        const Extent mapped{addr, addr + pages, PageKind::anon};
        if (!apply(&mapped, 1)) {
            return failed(MemResult::no_memory);
        }
        return {MemResult::ok, addr, pages, 0, false, 0, 0};
    }

    // munmap(2): every in-use page of the range becomes free, of any kind; pages outside the space are
    // ignored. invalid for an unaligned address, a zero length, or a range that wraps; no_memory when cutting
    // a hole would overflow the table (Linux: the map count).
    [[nodiscard]] MapResult unmap(uint64_t addr, uint64_t len) {
        if (addr % PAGE != 0 || len == 0) {
            return failed(MemResult::invalid);
        }
        const uint64_t pages = page_up(len);
        if (pages == 0 || pages > UINT64_MAX - addr) {
            return failed(MemResult::invalid);
        }
        const uint64_t s = addr > base_ ? addr : base_;
        const uint64_t e = addr + pages < end_ ? addr + pages : end_;
        if (s >= e) {
            return {MemResult::ok, addr, 0, 0, false, 0, 0};
        }
        const Extent freed{s, e, PageKind::free};
        if (!apply(&freed, 1)) {
            return failed(MemResult::no_memory);
        }
        return {MemResult::ok, s, e - s, 0, false, 0, 0};
    }

    // mremap(2), flags REMAP_MAYMOVE and REMAP_FIXED (MREMAP_DONTUNMAP and other bits: invalid). The old
    // range must be entirely in use (not_mapped); a shrink frees the tail in place; a growth stays in place
    // when the following pages are free and below map_top, else moves with MAYMOVE to the highest free place
    // (no_memory without MAYMOVE or when nothing fits). REMAP_FIXED moves to new_addr, replacing what is
    // there; it may not overlap the old range (invalid). Whatever moves becomes anonymous and the whole old
    // range is freed; in place, the old pages keep their kind and the new ones are anonymous. A growth in
    // place that would overflow the table fails (no_memory) rather than trying a move.
    [[nodiscard]] MapResult remap(uint64_t old_addr, uint64_t old_len, uint64_t new_len, uint64_t flags,
                                  uint64_t new_addr) {
        const bool fixed = (flags & REMAP_FIXED) != 0;
        const bool may_move = (flags & REMAP_MAYMOVE) != 0;
        if ((flags & ~(REMAP_MAYMOVE | REMAP_FIXED)) != 0 || (fixed && !may_move) || old_addr % PAGE != 0) {
            return failed(MemResult::invalid);
        }
        // A zero old length would duplicate a shared mapping; a job's are private (Linux: EINVAL).
        const uint64_t old_pages = page_up(old_len);
        const uint64_t new_pages = page_up(new_len);
        if (old_pages == 0 || new_pages == 0) {
            return failed(MemResult::invalid);
        }
        if (!inside(old_addr, old_pages) || !all_used(old_addr, old_addr + old_pages)) {
            return failed(MemResult::not_mapped);
        }
        const uint64_t old_end = old_addr + old_pages;
        if (fixed) {
            if (new_addr % PAGE != 0 || !inside(new_addr, new_pages) ||
                (new_addr < old_end && old_addr < new_addr + new_pages)) {
                return failed(MemResult::invalid);
            }
            return move(old_addr, old_pages, new_addr, new_pages);
        }
        if (new_pages <= old_pages) {
            if (new_pages < old_pages) {
                const Extent tail{old_addr + new_pages, old_end, PageKind::free};
                if (!apply(&tail, 1)) {
                    return failed(MemResult::no_memory);
                }
            }
            return {MemResult::ok,        old_addr, new_pages, new_pages, false, old_addr + new_pages,
                    old_pages - new_pages};
        }
        if (old_addr < map_top_ && new_pages <= map_top_ - old_addr &&
            !any_used(old_end, old_addr + new_pages)) {
            const Extent grown{old_end, old_addr + new_pages, PageKind::anon};
            if (!apply(&grown, 1)) {
                return failed(MemResult::no_memory);
            }
            return {MemResult::ok, old_addr, new_pages, old_pages, false, 0, 0};
        }
        uint64_t to = 0;
        if (!may_move || !find_top_down(new_pages, to)) {
            return failed(MemResult::no_memory);
        }
        return move(old_addr, old_pages, to, new_pages);
    }

    // Every page that [addr, addr + len) touches is in use (mprotect, madvise, mincore: ENOMEM where not);
    // false for a range that wraps, true for an empty one.
    bool mapped(uint64_t addr, uint64_t len) const {
        if (len == 0) {
            return true;
        }
        if (len > UINT64_MAX - addr) {
            return false;
        }
        const uint64_t e = page_up(addr + len);
        return e != 0 && all_used(addr - addr % PAGE, e);
    }

    // Bytes in use from the page-aligned addr on without a free page between, at most limit (mincore: one
    // run of vec at a time); 0 when addr's page is free.
    uint64_t run_from(uint64_t addr, uint64_t limit) const {
        uint32_t i = first_ending_after(addr);
        if (i == n_ || r_[i].start > addr) {
            return 0;
        }
        uint64_t e = r_[i].end;
        while (e - addr < limit && i + 1 < n_ && r_[i + 1].start == e) {
            e = r_[++i].end;
        }
        return e - addr < limit ? e - addr : limit;
    }

    // What the page holding addr is; free outside the space.
    PageKind kind(uint64_t addr) const {
        const uint32_t i = first_ending_after(addr);
        return i < n_ && r_[i].start <= addr ? r_[i].kind : PageKind::free;
    }

    // f(start, end, kind) for each in-use part of [addr, addr + len), in address order
    // (madvise(MADV_DONTNEED) zeroes these, munmap and brk make them not present); a length that wraps ends
    // at the top of memory.
    template <class F>
    void for_each_mapped(uint64_t addr, uint64_t len, F&& f) const {
        const uint64_t e = len > UINT64_MAX - addr ? UINT64_MAX : addr + len;
        for (uint32_t i = first_ending_after(addr); i < n_ && r_[i].start < e; ++i) {
            f(r_[i].start > addr ? r_[i].start : addr, r_[i].end < e ? r_[i].end : e, r_[i].kind);
        }
    }

    uint64_t base() const { return base_; }
    uint64_t end() const { return end_; }
    uint64_t stack_start() const { return stack_start_; }
    uint64_t map_top() const { return map_top_; } // the bottom of the guard gap
    uint32_t extent_count() const { return n_; }
    const Extent& extent(uint32_t i) const { return r_[i]; }

    // v rounded up to a page; 0 when it rounds up past 2^64 (Linux's PAGE_ALIGN wraps the same way).
    static constexpr uint64_t page_up(uint64_t v) {
        return v > UINT64_MAX - (PAGE - 1) ? 0 : (v + PAGE - 1) & ~(PAGE - 1);
    }

  private:
    static MapResult failed(MemResult r) { return {r, 0, 0, 0, false, 0, 0}; }
    bool inside(uint64_t addr, uint64_t len) const {
        return addr >= base_ && addr <= end_ && len <= end_ - addr;
    }

    // The first extent that ends above addr (n_ when none).
    uint32_t first_ending_after(uint64_t addr) const {
        uint32_t lo = 0;
        uint32_t hi = n_;
        while (lo < hi) {
            const uint32_t mid = lo + (hi - lo) / 2;
            if (r_[mid].end > addr) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }
    bool any_used(uint64_t s, uint64_t e) const {
        const uint32_t i = first_ending_after(s);
        return i < n_ && r_[i].start < e;
    }
    bool all_used(uint64_t s, uint64_t e) const {
        for (uint32_t i = first_ending_after(s); s < e; ++i) {
            if (i == n_ || r_[i].start > s) {
                return false;
            }
            s = r_[i].end;
        }
        return true;
    }

    // The highest free [addr, addr + len) in [base, map_top).
    bool find_top_down(uint64_t len, uint64_t& addr) const {
        uint64_t hi = map_top_;
        for (uint32_t i = n_; i > 0; --i) {
            const Extent& x = r_[i - 1];
            if (x.start >= hi) {
                continue;
            }
            if (x.end < hi && hi - x.end >= len) {
                addr = hi - len;
                return true;
            }
            hi = x.start;
        }
        if (hi - base_ >= len) {
            addr = hi - len;
            return true;
        }
        return false;
    }

    MapResult move(uint64_t from, uint64_t from_len, uint64_t to, uint64_t to_len) {
        const Extent old{from, from + from_len, PageKind::free};
        const Extent fresh{to, to + to_len, PageKind::anon};
        const Extent by_address[2] = {from < to ? old : fresh, from < to ? fresh : old};
        if (!apply(by_address, 2)) {
            return failed(MemResult::no_memory);
        }
        const uint64_t kept = from_len < to_len ? from_len : to_len;
        return {MemResult::ok, to, to_len, kept, true, from, from_len};
    }

    // Frees the brk pages of [lo, hi) = [page_up(new brk), page_up(old brk)). No brk page lies at or above
    // page_up(brk), so each brk extent met is trimmed at its top or removed: the table never grows here.
    void free_brk_pages(uint64_t lo, uint64_t hi) {
        for (;;) {
            uint32_t i = first_ending_after(lo);
            while (i < n_ && r_[i].start < hi && r_[i].kind != PageKind::brk) {
                ++i;
            }
            if (i == n_ || r_[i].start >= hi) {
                return;
            }
            const uint64_t s = r_[i].start > lo ? r_[i].start : lo;
            assign({s, r_[i].end < hi ? r_[i].end : hi, PageKind::free});
        }
    }

    // Gives each of pieces[0, count) (sorted, disjoint; kind free frees) its kind, or nothing when the result
    // would have more than N extents.
    bool apply(const Extent* pieces, uint32_t count) {
        if (extents_after(pieces, count) > N) {
            return false;
        }
        for (uint32_t k = 0; k < count; ++k) {
            assign(pieces[k]);
        }
        return true;
    }

    // The number of extents the table would have with the pieces applied: one walk over table and pieces in
    // address order, counting maximal runs of one kind.
    uint32_t extents_after(const Extent* pieces, uint32_t count) const {
        uint32_t runs = 0;
        Extent run{0, 0, PageKind::free};
        auto add = [&](uint64_t s, uint64_t e, PageKind k) {
            if (s >= e || k == PageKind::free) {
                return;
            }
            if (run.kind == k && run.end == s) {
                run.end = e;
                return;
            }
            ++runs;
            run = {s, e, k};
        };
        uint32_t i = 0;
        uint64_t done = 0; // the table below `done` is accounted for
        for (uint32_t k = 0; k <= count; ++k) {
            const uint64_t stop = k < count ? pieces[k].start : UINT64_MAX;
            for (; i < n_ && r_[i].start < stop; ++i) {
                add(r_[i].start > done ? r_[i].start : done, r_[i].end < stop ? r_[i].end : stop, r_[i].kind);
                if (r_[i].end > stop) {
                    break; // it goes on past the piece: its rest is counted after it
                }
            }
            if (k < count) {
                add(pieces[k].start, pieces[k].end, pieces[k].kind);
                done = pieces[k].end;
                while (i < n_ && r_[i].end <= done) {
                    ++i;
                }
            }
        }
        return runs;
    }

    // Pages [p.start, p.end) become p.kind: the extents that overlap or touch the range, r_[first, last),
    // give way to at most three (what is left of the first below it, the range, what is left of the last
    // above it), merged where kinds meet. Needs room for two more extents than the result: see r_.
    void assign(const Extent& p) {
        uint32_t first = first_ending_after(p.start);
        if (first > 0 && r_[first - 1].end == p.start) {
            --first; // touches the range from below
        }
        uint32_t last = first;
        while (last < n_ && r_[last].start <= p.end) {
            ++last;
        }
        Extent out[3] = {};
        uint32_t m = 0;
        auto push = [&](uint64_t s, uint64_t e, PageKind k) {
            if (s >= e || k == PageKind::free) {
                return;
            }
            if (m > 0 && out[m - 1].end == s && out[m - 1].kind == k) {
                out[m - 1].end = e;
            } else {
                out[m++] = {s, e, k};
            }
        };
        if (first < last && r_[first].start < p.start) {
            push(r_[first].start, p.start, r_[first].kind);
        }
        push(p.start, p.end, p.kind);
        if (first < last && r_[last - 1].end > p.end) {
            push(p.end, r_[last - 1].end, r_[last - 1].kind);
        }
        const uint32_t removed = last - first;
        if (m > removed) {
            for (uint32_t i = n_; i-- > last;) {
                r_[i + m - removed] = r_[i];
            }
        } else if (m < removed) {
            for (uint32_t i = last; i < n_; ++i) {
                r_[i - (removed - m)] = r_[i];
            }
        }
        for (uint32_t k = 0; k < m; ++k) {
            r_[first + k] = out[k];
        }
        n_ = n_ - removed + m;
    }

    // Two spare slots: apply checks the final count against N, but a move's first piece may add two extents
    // before its second takes them back.
    Extent r_[N + 2] = {};
    uint32_t n_ = 0;
    uint64_t base_ = 0, end_ = 0, stack_start_ = 0, map_top_ = 0;
    uint64_t brk_start_ = 0, brk_ = 0;
};

} // namespace ck

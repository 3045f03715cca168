// A job's address space (cokernel/mm/job_space.hpp): directed cases of each operation, then random mixed ones
// against a per-page model, after each of which the table must be sorted, disjoint, merged and the model's
// pages, and each result the model's.
#include "job_space.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

namespace {

using ck::MapResult;
using ck::MemResult;
using ck::PageKind;

constexpr uint64_t PAGE = 4096;
constexpr uint64_t BASE = 0x400000;
constexpr uint64_t MAYMOVE = 1, FIXED = 2;
__extension__ typedef unsigned __int128 u128; // the model's sums cannot wrap

constexpr uint64_t P(uint64_t n) {
    return BASE + n * PAGE;
}

const char* name(PageKind k) {
    switch (k) {
    case PageKind::free:
        return "free";
    case PageKind::image:
        return "image";
    case PageKind::brk:
        return "brk";
    case PageKind::anon:
        return "anon";
    case PageKind::stack:
        return "stack";
    }
    return "?";
}

// "" when the table is well formed (sorted, disjoint, non-empty, merged, inside the space, at most N
// extents).
template <uint32_t N>
std::string shape_error(const ck::JobSpace<N>& s) {
    if (s.extent_count() > N) {
        return "more than N extents";
    }
    for (uint32_t i = 0; i < s.extent_count(); ++i) {
        const auto& x = s.extent(i);
        const std::string at = "extent " + std::to_string(i) + ": ";
        if (x.start % PAGE != 0 || x.end % PAGE != 0 || x.start >= x.end) {
            return at + "unaligned or empty";
        }
        if (x.start < s.base() || x.end > s.end()) {
            return at + "outside the space";
        }
        if (x.kind == PageKind::free) {
            return at + "free in the table";
        }
        if (i > 0 && s.extent(i - 1).end > x.start) {
            return at + "not sorted or overlapping";
        }
        if (i > 0 && s.extent(i - 1).end == x.start && s.extent(i - 1).kind == x.kind) {
            return at + "not merged with the one below";
        }
    }
    return "";
}

template <uint32_t N>
std::vector<PageKind> pages_of(const ck::JobSpace<N>& s) {
    std::vector<PageKind> v((s.end() - s.base()) / PAGE, PageKind::free);
    for (uint32_t i = 0; i < s.extent_count(); ++i) {
        for (uint64_t a = s.extent(i).start; a < s.extent(i).end; a += PAGE) {
            v[(a - s.base()) / PAGE] = s.extent(i).kind;
        }
    }
    return v;
}

std::string first_difference(const std::vector<PageKind>& got, const std::vector<PageKind>& want) {
    for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
        if (got[i] != want[i]) {
            return "page " + std::to_string(i) + ": " + name(got[i]) + ", model " + name(want[i]);
        }
    }
    return got.size() == want.size() ? "" : "sizes differ";
}

// The table as extents, for "nothing changed" checks.
struct Snapshot {
    std::vector<uint64_t> words;
    bool operator==(const Snapshot&) const = default;
};
template <uint32_t N>
Snapshot snapshot(const ck::JobSpace<N>& s) {
    Snapshot snap;
    snap.words.push_back(s.brk());
    for (uint32_t i = 0; i < s.extent_count(); ++i) {
        snap.words.push_back(s.extent(i).start);
        snap.words.push_back(s.extent(i).end);
        snap.words.push_back(static_cast<uint64_t>(s.extent(i).kind));
    }
    return snap;
}

std::string describe(const MapResult& r) {
    return "result " + std::to_string(static_cast<int>(r.result)) + " addr " + std::to_string(r.addr) +
           " len " + std::to_string(r.len) + " kept " + std::to_string(r.kept) + " moved " +
           std::to_string(r.moved) + " freed " + std::to_string(r.freed) + "+" + std::to_string(r.freed_len);
}

// The small layout of the directed cases: 64 pages, image [0, 4), stack [60, 64), guard [58, 60).
template <uint32_t N = 512>
ck::JobSpace<N> small_space() {
    ck::JobSpace<N> s;
    REQUIRE(s.init(BASE, 64 * PAGE, P(4), 4 * PAGE, 2 * PAGE) == MemResult::ok);
    return s;
}

template <uint32_t N>
void check(const ck::JobSpace<N>& s, const std::vector<PageKind>& want) {
    REQUIRE(shape_error(s) == "");
    REQUIRE(first_difference(pages_of(s), want) == "");
}

// want[i] for pages [from, to) of the small layout.
void fill(std::vector<PageKind>& want, uint64_t from, uint64_t to, PageKind k) {
    for (uint64_t i = from; i < to; ++i) {
        want[i] = k;
    }
}
std::vector<PageKind> small_initial() {
    std::vector<PageKind> want(64, PageKind::free);
    fill(want, 0, 4, PageKind::image);
    fill(want, 60, 64, PageKind::stack);
    return want;
}

} // namespace

TEST_CASE("job space: init lays out image, heap start, stack and guard", "[job_space]") {
    auto s = small_space();
    check(s, small_initial());
    CHECK(s.extent_count() == 2);
    CHECK(s.base() == BASE);
    CHECK(s.end() == P(64));
    CHECK(s.stack_start() == P(60));
    CHECK(s.map_top() == P(58));
    CHECK(s.brk_start() == P(4));
    CHECK(s.brk() == P(4));
    CHECK(s.kind(P(0)) == PageKind::image);
    CHECK(s.kind(P(4)) == PageKind::free);
    CHECK(s.kind(P(59)) == PageKind::free); // the guard is free, not mapped
    CHECK(s.kind(P(63) + 4095) == PageKind::stack);
    CHECK(s.kind(P(64)) == PageKind::free);
    CHECK(s.kind(BASE - 1) == PageKind::free);

    ck::JobSpace<8> bad;
    CHECK(bad.init(BASE + 1, 64 * PAGE, P(4), PAGE, PAGE) == MemResult::invalid);
    CHECK(bad.init(BASE, 64 * PAGE + 1, P(4), PAGE, PAGE) == MemResult::invalid);
    CHECK(bad.init(BASE, 0, BASE, 0, 0) == MemResult::invalid);
    CHECK(bad.init(BASE, 64 * PAGE, P(65), 0, 0) == MemResult::invalid); // image beyond the space
    CHECK(bad.init(BASE, 64 * PAGE, BASE - PAGE, 0, 0) == MemResult::invalid);
    CHECK(bad.init(BASE, 64 * PAGE, P(4), 60 * PAGE, PAGE) == MemResult::invalid); // stack + guard too big
    CHECK(bad.init(BASE, UINT64_MAX - PAGE + 1, P(4), PAGE, PAGE) == MemResult::invalid); // wraps
    CHECK(bad.extent_count() == 0);
    CHECK(bad.map(PAGE).result == MemResult::no_memory); // an empty space refuses everything
    CHECK(bad.map_fixed(P(5), PAGE, false).result == MemResult::no_memory);

    // No image, no stack, no guard: all of it is one pool.
    REQUIRE(bad.init(BASE, 8 * PAGE, BASE, 0, 0) == MemResult::ok);
    CHECK(bad.extent_count() == 0);
    CHECK(bad.map(8 * PAGE).addr == BASE);
    CHECK(bad.extent_count() == 1);
}

TEST_CASE("job space: brk grows byte-exact in whole pages and shrinks", "[job_space]") {
    auto s = small_space();
    auto want = small_initial();
    REQUIRE(s.set_brk(P(4) + 100) == MemResult::ok);
    CHECK(s.brk() == P(4) + 100);
    fill(want, 4, 5, PageKind::brk);
    check(s, want);
    REQUIRE(s.set_brk(P(4) + 5000) == MemResult::ok);
    fill(want, 5, 6, PageKind::brk);
    check(s, want);
    CHECK(s.extent_count() == 3);
    REQUIRE(s.set_brk(P(5) + 1) == MemResult::ok); // same last page: only the value moves
    check(s, want);
    REQUIRE(s.set_brk(P(5)) == MemResult::ok);
    fill(want, 5, 6, PageKind::free);
    check(s, want);
    CHECK(s.brk() == P(5));

    // Refused, and nothing changes: below the start, beyond the space, into the guard gap.
    const Snapshot before = snapshot(s);
    CHECK(s.set_brk(P(4) - 1) == MemResult::invalid);
    CHECK(s.set_brk(0) == MemResult::invalid);
    CHECK(s.set_brk(P(64) + 1) == MemResult::invalid);
    CHECK(s.set_brk(UINT64_MAX) == MemResult::invalid);
    CHECK(s.set_brk(P(58) + 1) == MemResult::no_memory);
    CHECK(s.set_brk(P(62)) == MemResult::no_memory);
    CHECK(snapshot(s) == before);

    REQUIRE(s.set_brk(P(58)) == MemResult::ok); // up to the guard
    fill(want, 4, 58, PageKind::brk);
    check(s, want);
    REQUIRE(s.set_brk(P(4)) == MemResult::ok); // back to the start: no brk page left
    check(s, small_initial());
    CHECK(s.extent_count() == 2);
}

TEST_CASE("job space: brk meets an mmap, an mmap takes the pages just above brk", "[job_space]") {
    auto s = small_space();
    const MapResult m = s.map(10 * PAGE);
    REQUIRE(m.result == MemResult::ok);
    CHECK(m.addr == P(48));                     // top-down, right below the guard
    REQUIRE(s.set_brk(P(48)) == MemResult::ok); // the heap reaches the mapping
    const Snapshot full = snapshot(s);
    CHECK(s.set_brk(P(48) + 1) == MemResult::exists);
    CHECK(s.brk() == P(48));
    CHECK(snapshot(s) == full);

    REQUIRE(s.set_brk(P(10)) == MemResult::ok);
    const MapResult above = s.map(38 * PAGE); // exactly the free pages between the break and the mapping
    REQUIRE(above.result == MemResult::ok);
    CHECK(above.addr == P(10));
    CHECK(s.map(PAGE).result == MemResult::no_memory); // the guard is not handed out
    CHECK(s.set_brk(P(10) + 1) == MemResult::exists);
    CHECK(s.brk() == P(10));
    auto want = small_initial();
    fill(want, 4, 10, PageKind::brk);
    fill(want, 10, 58, PageKind::anon);
    check(s, want);
    CHECK(s.extent_count() == 4); // the two mappings merged
}

TEST_CASE("job space: mmap is top-down first fit below the guard, with a hint", "[job_space]") {
    auto s = small_space();
    const uint64_t a = s.map(4 * PAGE).addr;
    const uint64_t b = s.map(PAGE + 1).addr; // rounded up to two pages
    const uint64_t c = s.map(4 * PAGE).addr;
    CHECK(a == P(54));
    CHECK(b == P(52));
    CHECK(c == P(48));
    CHECK(s.extent_count() == 3); // image, one anonymous run, stack
    REQUIRE(s.unmap(b, 2 * PAGE).result == MemResult::ok);
    CHECK(s.map(3 * PAGE).addr == P(45)); // the hole is too small: the next gap down
    CHECK(s.map(PAGE).addr == P(53));     // the hole is the highest that fits
    CHECK(s.map(PAGE).addr == P(52));

    // A free hint is taken (rounded up to a page, as Linux does); a used or bad one falls back to top-down.
    const MapResult hinted = s.map(2 * PAGE, P(20) - 100);
    CHECK(hinted.result == MemResult::ok);
    CHECK(hinted.addr == P(20));
    CHECK(hinted.len == 2 * PAGE);
    CHECK(s.map(PAGE, P(21)).addr == P(44));
    CHECK(s.map(PAGE, P(58)).addr == P(43)); // the guard is not a place for a hint
    CHECK(s.map(PAGE, BASE - PAGE).addr == P(42));
    CHECK(s.map(PAGE, UINT64_MAX).addr == P(41)); // rounds past 2^64: no hint

    CHECK(s.map(0).result == MemResult::invalid);
    const Snapshot before = snapshot(s);
    CHECK(s.map(UINT64_MAX).result == MemResult::no_memory); // wraps when rounded
    CHECK(s.map(UINT64_MAX - PAGE).result == MemResult::no_memory);
    CHECK(s.map(uint64_t{1} << 63).result == MemResult::no_memory);
    CHECK(s.map(64 * PAGE).result == MemResult::no_memory);
    CHECK(s.map(20 * PAGE).result == MemResult::no_memory); // the largest gap is [22, 41)
    CHECK(snapshot(s) == before);
    CHECK(s.map(19 * PAGE).addr == P(22));
}

TEST_CASE("job space: MAP_FIXED over brk and image, MAP_FIXED_NOREPLACE", "[job_space]") {
    auto s = small_space();
    REQUIRE(s.set_brk(P(12)) == MemResult::ok);
    const MapResult f = s.map_fixed(P(2), 4 * PAGE, false);
    REQUIRE(f.result == MemResult::ok);
    CHECK(f.addr == P(2));
    CHECK(f.len == 4 * PAGE);
    CHECK(f.kept == 0);
    CHECK_FALSE(f.moved);
    auto want = small_initial();
    fill(want, 2, 4, PageKind::anon);
    fill(want, 4, 6, PageKind::anon); // brk pages it covers are brk no more
    fill(want, 6, 12, PageKind::brk);
    check(s, want);
    CHECK(s.kind(P(3)) == PageKind::anon);
    CHECK(s.kind(P(6)) == PageKind::brk);

    REQUIRE(s.set_brk(P(4)) == MemResult::ok); // the shrink frees brk pages only: the mapping stays
    fill(want, 6, 12, PageKind::free);
    check(s, want);
    CHECK(s.set_brk(P(8)) == MemResult::exists); // the mapping is in the heap's way now

    const Snapshot before = snapshot(s);
    CHECK(s.map_fixed(P(5), 2 * PAGE, true).result == MemResult::exists); // one page of it is in use
    CHECK(s.map_fixed(P(0), PAGE, true).result == MemResult::exists);
    CHECK(s.map_fixed(P(63), PAGE, true).result == MemResult::exists);
    CHECK(snapshot(s) == before);
    REQUIRE(s.map_fixed(P(6), 2 * PAGE, true).result == MemResult::ok); // free: merges with the mapping
    fill(want, 6, 8, PageKind::anon);
    check(s, want);
    CHECK(s.extent_count() == 3);

    // The guard is free (only named addresses take it); MAP_FIXED replaces part of the stack.
    REQUIRE(s.map_fixed(P(58), PAGE, true).result == MemResult::ok);
    REQUIRE(s.map_fixed(P(62), PAGE, false).result == MemResult::ok);
    fill(want, 58, 59, PageKind::anon);
    fill(want, 62, 63, PageKind::anon);
    check(s, want);
    CHECK(s.extent_count() == 6);

    // Outside the space, wrapping, unaligned, empty: refused, and nothing changes.
    const Snapshot after = snapshot(s);
    CHECK(s.map_fixed(P(64), PAGE, false).result == MemResult::no_memory);
    CHECK(s.map_fixed(P(63), 2 * PAGE, false).result == MemResult::no_memory);
    CHECK(s.map_fixed(BASE - PAGE, 2 * PAGE, false).result == MemResult::no_memory);
    CHECK(s.map_fixed(0, PAGE, false).result == MemResult::no_memory);
    CHECK(s.map_fixed(P(1), UINT64_MAX, false).result == MemResult::no_memory);
    CHECK(s.map_fixed(P(1), UINT64_MAX - 2 * PAGE, false).result == MemResult::no_memory);
    CHECK(s.map_fixed(UINT64_MAX & ~(PAGE - 1), PAGE, false).result == MemResult::no_memory);
    CHECK(s.map_fixed(UINT64_MAX - 10, PAGE, true).result == MemResult::no_memory);
    CHECK(s.map_fixed(P(20) + 1, PAGE, false).result == MemResult::invalid);
    CHECK(s.map_fixed(P(20), 0, false).result == MemResult::invalid);
    CHECK(snapshot(s) == after);
    REQUIRE(s.map_fixed(P(0), 64 * PAGE, false).result == MemResult::ok); // all of it
    CHECK(s.extent_count() == 1);
    CHECK(s.kind(P(63)) == PageKind::anon);
}

TEST_CASE("job space: munmap of partial ranges, of the stack, outside, wrapping", "[job_space]") {
    auto s = small_space();
    REQUIRE(s.map(8 * PAGE).addr == P(50));
    const MapResult hole = s.unmap(P(52), 2 * PAGE);
    REQUIRE(hole.result == MemResult::ok);
    CHECK(hole.addr == P(52));
    CHECK(hole.len == 2 * PAGE);
    auto want = small_initial();
    fill(want, 50, 52, PageKind::anon);
    fill(want, 54, 58, PageKind::anon);
    check(s, want);
    REQUIRE(s.unmap(P(51), 4 * PAGE - 1).result == MemResult::ok); // across the hole, length rounded up
    fill(want, 51, 55, PageKind::free);
    check(s, want);
    REQUIRE(s.unmap(P(52), PAGE).result == MemResult::ok); // already free: harmless
    check(s, want);

    // Part of the range beyond the space: the inside is unmapped, the stack included.
    const MapResult top = s.unmap(P(56), 100 * PAGE);
    REQUIRE(top.result == MemResult::ok);
    CHECK(top.addr == P(56));
    CHECK(top.len == 8 * PAGE);
    fill(want, 56, 64, PageKind::free);
    check(s, want);
    CHECK(s.kind(P(63)) == PageKind::free);
    CHECK(s.map(PAGE).addr == P(57)); // the stack's old pages are not handed out
    fill(want, 57, 58, PageKind::anon);

    REQUIRE(s.unmap(P(1), PAGE).result == MemResult::ok); // image pages too, as Linux allows
    fill(want, 1, 2, PageKind::free);
    check(s, want);
    const MapResult below = s.unmap(BASE - 16 * PAGE, 16 * PAGE + PAGE); // reaches page 0 only
    REQUIRE(below.result == MemResult::ok);
    CHECK(below.addr == BASE);
    CHECK(below.len == PAGE);
    fill(want, 0, 1, PageKind::free);
    check(s, want);
    CHECK(s.unmap(P(64), PAGE).len == 0);
    CHECK(s.unmap(0, PAGE).len == 0);

    const Snapshot before = snapshot(s);
    CHECK(s.unmap(P(2) + 1, PAGE).result == MemResult::invalid);
    CHECK(s.unmap(P(2), 0).result == MemResult::invalid);
    CHECK(s.unmap(P(2), UINT64_MAX).result == MemResult::invalid);               // rounds past 2^64
    CHECK(s.unmap(UINT64_MAX & ~(PAGE - 1), PAGE).result == MemResult::invalid); // ends at 2^64
    CHECK(s.unmap(P(2), UINT64_MAX - P(2)).result == MemResult::invalid);        // ends at 2^64
    CHECK(snapshot(s) == before);
    REQUIRE(s.unmap(0, P(64)).result == MemResult::ok);
    CHECK(s.extent_count() == 0);

    // A stack unmapped in part stays split.
    auto t = small_space();
    REQUIRE(t.unmap(P(61), PAGE).result == MemResult::ok);
    want = small_initial();
    want[61] = PageKind::free;
    check(t, want);
    CHECK(t.extent_count() == 3);
}

TEST_CASE("job space: mremap shrink and grow in place", "[job_space]") {
    auto s = small_space();
    REQUIRE(s.map(8 * PAGE).addr == P(50));
    const MapResult shrunk = s.remap(P(50), 4 * PAGE, 2 * PAGE, 0, 0);
    REQUIRE(shrunk.result == MemResult::ok);
    CHECK(shrunk.addr == P(50));
    CHECK(shrunk.len == 2 * PAGE);
    CHECK(shrunk.kept == 2 * PAGE);
    CHECK_FALSE(shrunk.moved);
    CHECK(shrunk.freed == P(52));
    CHECK(shrunk.freed_len == 2 * PAGE);
    auto want = small_initial();
    fill(want, 50, 52, PageKind::anon);
    fill(want, 54, 58, PageKind::anon);
    check(s, want);

    const MapResult grown = s.remap(P(50), 2 * PAGE - 5, 4 * PAGE, 0, 0); // lengths rounded up
    REQUIRE(grown.result == MemResult::ok);
    CHECK(grown.addr == P(50));
    CHECK(grown.len == 4 * PAGE);
    CHECK(grown.kept == 2 * PAGE); // [addr + kept, addr + len) is new
    CHECK_FALSE(grown.moved);
    CHECK(grown.freed_len == 0);
    fill(want, 52, 54, PageKind::anon);
    check(s, want);

    const MapResult same = s.remap(P(50), 4 * PAGE, 4 * PAGE, MAYMOVE, 0);
    CHECK(same.result == MemResult::ok);
    CHECK(same.addr == P(50));
    CHECK_FALSE(same.moved);

    // Growth into used pages without MAYMOVE: no_memory, nothing changes.
    const Snapshot before = snapshot(s);
    CHECK(s.remap(P(50), 4 * PAGE, 6 * PAGE, 0, 0).result == MemResult::no_memory);
    CHECK(snapshot(s) == before);

    // A brk page grown in place: the old pages keep their kind, the new ones are anonymous.
    REQUIRE(s.set_brk(P(5)) == MemResult::ok);
    REQUIRE(s.remap(P(4), PAGE, 3 * PAGE, 0, 0).result == MemResult::ok);
    fill(want, 4, 5, PageKind::brk);
    fill(want, 5, 7, PageKind::anon);
    check(s, want);
}

TEST_CASE("job space: mremap moves top-down, to a fixed address, never into the guard", "[job_space]") {
    auto s = small_space();
    REQUIRE(s.map(8 * PAGE).addr == P(50));
    const MapResult moved = s.remap(P(50), 4 * PAGE, 6 * PAGE, MAYMOVE, 0);
    REQUIRE(moved.result == MemResult::ok);
    CHECK(moved.addr == P(44)); // the highest free place, with the old range still counted as in use
    CHECK(moved.len == 6 * PAGE);
    CHECK(moved.kept == 4 * PAGE);
    CHECK(moved.moved);
    CHECK(moved.freed == P(50));
    CHECK(moved.freed_len == 4 * PAGE);
    auto want = small_initial();
    fill(want, 44, 50, PageKind::anon);
    fill(want, 54, 58, PageKind::anon);
    check(s, want);

    // The topmost mapping cannot grow into the guard gap: it moves.
    const MapResult up = s.remap(P(54), 4 * PAGE, 5 * PAGE, MAYMOVE, 0);
    REQUIRE(up.result == MemResult::ok);
    CHECK(up.moved);
    CHECK(up.addr == P(39));
    fill(want, 54, 58, PageKind::free);
    fill(want, 39, 44, PageKind::anon);
    check(s, want);
    CHECK(s.extent_count() == 3); // [39, 44) and [44, 50) merged

    // FIXED shrinks and moves: only new_len bytes are kept, the whole old range is freed.
    const MapResult fixed = s.remap(P(44), 6 * PAGE, 2 * PAGE, MAYMOVE | FIXED, P(20));
    REQUIRE(fixed.result == MemResult::ok);
    CHECK(fixed.addr == P(20));
    CHECK(fixed.len == 2 * PAGE);
    CHECK(fixed.kept == 2 * PAGE);
    CHECK(fixed.moved);
    CHECK(fixed.freed == P(44));
    CHECK(fixed.freed_len == 6 * PAGE);
    fill(want, 44, 50, PageKind::free);
    fill(want, 20, 22, PageKind::anon);
    check(s, want);

    // FIXED replaces what is at new_addr (here brk pages); the target may touch the old range.
    REQUIRE(s.set_brk(P(8)) == MemResult::ok);
    const MapResult over = s.remap(P(20), 2 * PAGE, 4 * PAGE, MAYMOVE | FIXED, P(6));
    REQUIRE(over.result == MemResult::ok);
    CHECK(over.kept == 2 * PAGE);
    fill(want, 4, 6, PageKind::brk);
    fill(want, 6, 10, PageKind::anon);
    fill(want, 20, 22, PageKind::free);
    check(s, want);
    REQUIRE(s.remap(P(6), 4 * PAGE, 4 * PAGE, MAYMOVE | FIXED, P(10)).result == MemResult::ok);
    fill(want, 6, 10, PageKind::free);
    fill(want, 10, 14, PageKind::anon);
    check(s, want);

    // The stack can move too, and becomes anonymous.
    const MapResult stack = s.remap(P(60), 4 * PAGE, 8 * PAGE, MAYMOVE, 0);
    REQUIRE(stack.result == MemResult::ok);
    CHECK(stack.addr == P(50));
    fill(want, 60, 64, PageKind::free);
    fill(want, 50, 58, PageKind::anon);
    check(s, want);
}

TEST_CASE("job space: mremap refusals change nothing", "[job_space]") {
    auto s = small_space();
    REQUIRE(s.map_fixed(P(20), 4 * PAGE, false).result == MemResult::ok);
    REQUIRE(s.map_fixed(P(30), 4 * PAGE, false).result == MemResult::ok);
    const Snapshot before = snapshot(s);
    const auto result = [&](uint64_t old_addr, uint64_t old_len, uint64_t new_len, uint64_t flags,
                            uint64_t new_addr) {
        return s.remap(old_addr, old_len, new_len, flags, new_addr).result;
    };
    CHECK(result(P(20), PAGE, PAGE, 4, 0) == MemResult::invalid);         // MREMAP_DONTUNMAP
    CHECK(result(P(20), PAGE, PAGE, 8, 0) == MemResult::invalid);         // unknown bits
    CHECK(result(P(20), PAGE, PAGE, FIXED, P(40)) == MemResult::invalid); // FIXED needs MAYMOVE
    CHECK(result(P(20) + 1, PAGE, PAGE, MAYMOVE, 0) == MemResult::invalid);
    CHECK(result(P(20), 0, PAGE, MAYMOVE, 0) == MemResult::invalid);
    CHECK(result(P(20), PAGE, 0, MAYMOVE, 0) == MemResult::invalid);
    CHECK(result(P(20), UINT64_MAX, PAGE, MAYMOVE, 0) == MemResult::invalid); // rounds to 0
    CHECK(result(P(20), PAGE, UINT64_MAX, MAYMOVE, 0) == MemResult::invalid);
    // The old range must be entirely in use.
    CHECK(result(P(10), PAGE, PAGE, MAYMOVE, 0) == MemResult::not_mapped);
    CHECK(result(P(22), 4 * PAGE, PAGE, MAYMOVE, 0) == MemResult::not_mapped); // runs past the mapping
    CHECK(result(P(22), 4 * PAGE, 8 * PAGE, 0, 0) == MemResult::not_mapped);
    CHECK(result(BASE - PAGE, 2 * PAGE, PAGE, MAYMOVE, 0) == MemResult::not_mapped);
    CHECK(result(P(63), 2 * PAGE, PAGE, MAYMOVE, 0) == MemResult::not_mapped);
    CHECK(result(P(20), UINT64_MAX - P(20), PAGE, MAYMOVE, 0) == MemResult::not_mapped);
    CHECK(result(UINT64_MAX & ~(PAGE - 1), PAGE, PAGE, MAYMOVE, 0) == MemResult::not_mapped);
    // FIXED: aligned, inside, not overlapping the old range.
    CHECK(result(P(20), 4 * PAGE, 4 * PAGE, MAYMOVE | FIXED, P(40) + 8) == MemResult::invalid);
    CHECK(result(P(20), 4 * PAGE, 4 * PAGE, MAYMOVE | FIXED, P(62)) == MemResult::invalid);
    CHECK(result(P(20), 4 * PAGE, 4 * PAGE, MAYMOVE | FIXED, BASE - PAGE) == MemResult::invalid);
    CHECK(result(P(20), 4 * PAGE, 4 * PAGE, MAYMOVE | FIXED, UINT64_MAX & ~(PAGE - 1)) == MemResult::invalid);
    CHECK(result(P(20), 4 * PAGE, PAGE, MAYMOVE | FIXED, P(20) + UINT64_MAX / 2) == MemResult::invalid);
    CHECK(result(P(20), 4 * PAGE, 4 * PAGE, MAYMOVE | FIXED, P(20)) == MemResult::invalid);
    CHECK(result(P(20), 4 * PAGE, 4 * PAGE, MAYMOVE | FIXED, P(23)) == MemResult::invalid);
    CHECK(result(P(20), 4 * PAGE, 4 * PAGE, MAYMOVE | FIXED, P(17)) == MemResult::invalid);
    // Nowhere to go.
    CHECK(result(P(60), 4 * PAGE, 5 * PAGE, 0, 0) == MemResult::no_memory); // the stack cannot grow in place
    CHECK(result(P(20), 4 * PAGE, 60 * PAGE, MAYMOVE, 0) == MemResult::no_memory);
    CHECK(result(P(20), 4 * PAGE, uint64_t{1} << 62, MAYMOVE, 0) == MemResult::no_memory);
    CHECK(snapshot(s) == before);
    // A range over two mappings of different kinds is in use: it moves as one.
    REQUIRE(s.set_brk(P(6)) == MemResult::ok);
    REQUIRE(s.remap(P(3), 2 * PAGE, 2 * PAGE, MAYMOVE | FIXED, P(40)).result == MemResult::ok);
    CHECK(s.kind(P(3)) == PageKind::free);
    CHECK(s.kind(P(4)) == PageKind::free);
    CHECK(s.kind(P(5)) == PageKind::brk);
    CHECK(s.kind(P(41)) == PageKind::anon);
}

TEST_CASE("job space: queries for mprotect, madvise and mincore", "[job_space]") {
    auto s = small_space();
    REQUIRE(s.set_brk(P(6)) == MemResult::ok);
    REQUIRE(s.map_fixed(P(6), 2 * PAGE, false).result == MemResult::ok);
    REQUIRE(s.map_fixed(P(10), 2 * PAGE, false).result == MemResult::ok);
    CHECK(s.mapped(P(0), 8 * PAGE)); // image, brk and anon pages, no hole
    CHECK(s.mapped(P(1) + 5, 10));
    CHECK(s.mapped(P(7) + 1, PAGE - 1));
    CHECK_FALSE(s.mapped(P(7) + 1, PAGE)); // touches pages 7 and 8: 8 is free
    CHECK_FALSE(s.mapped(P(0), 9 * PAGE));
    CHECK_FALSE(s.mapped(P(8), PAGE));
    CHECK(s.mapped(P(10), 2 * PAGE));
    CHECK(s.mapped(P(60), 4 * PAGE));
    CHECK_FALSE(s.mapped(P(60), 5 * PAGE)); // beyond the space
    CHECK_FALSE(s.mapped(BASE - PAGE, 2 * PAGE));
    CHECK_FALSE(s.mapped(P(0), UINT64_MAX));
    CHECK_FALSE(s.mapped(UINT64_MAX - 10, 5));
    CHECK(s.mapped(P(30), 0));
    CHECK(s.kind(P(4)) == PageKind::brk);
    CHECK(s.kind(P(6)) == PageKind::anon);
    CHECK(s.kind(P(8)) == PageKind::free);
    // run_from: mincore's runs, across extents of different kinds, cut at a free page or at the limit.
    CHECK(s.run_from(P(0), 100 * PAGE) == 8 * PAGE);
    CHECK(s.run_from(P(3), 100 * PAGE) == 5 * PAGE);
    CHECK(s.run_from(P(3), 2 * PAGE) == 2 * PAGE);
    CHECK(s.run_from(P(8), 100 * PAGE) == 0);
    CHECK(s.run_from(P(10), 100 * PAGE) == 2 * PAGE);
    CHECK(s.run_from(BASE - PAGE, 100 * PAGE) == 0);

    std::vector<std::vector<uint64_t>> parts;
    s.for_each_mapped(P(3) + 8, 9 * PAGE, [&](uint64_t start, uint64_t end, PageKind k) {
        parts.push_back({start, end, static_cast<uint64_t>(k)});
    });
    const auto img = static_cast<uint64_t>(PageKind::image), brk = static_cast<uint64_t>(PageKind::brk),
               anon = static_cast<uint64_t>(PageKind::anon);
    const std::vector<std::vector<uint64_t>> expected = {
        {P(3) + 8, P(4), img}, {P(4), P(6), brk}, {P(6), P(8), anon}, {P(10), P(12), anon}};
    CHECK(parts == expected);
    parts.clear();
    s.for_each_mapped(P(62), UINT64_MAX, [&](uint64_t start, uint64_t end, PageKind k) {
        parts.push_back({start, end, static_cast<uint64_t>(k)});
    });
    const std::vector<std::vector<uint64_t>> stack = {{P(62), P(64), static_cast<uint64_t>(PageKind::stack)}};
    CHECK(parts == stack);
    parts.clear();
    s.for_each_mapped(P(13), 10 * PAGE, [&](uint64_t, uint64_t, PageKind) { parts.push_back({}); });
    CHECK(parts.empty());
}

TEST_CASE("job space: a full table fails with no_memory and changes nothing", "[job_space]") {
    auto s = small_space<4>();
    REQUIRE(s.map_fixed(P(20), PAGE, false).result == MemResult::ok);
    REQUIRE(s.map_fixed(P(30), 3 * PAGE, false).result == MemResult::ok);
    REQUIRE(s.extent_count() == 4);
    const Snapshot full = snapshot(s);
    CHECK(s.map_fixed(P(40), PAGE, false).result == MemResult::no_memory);
    CHECK(s.map_fixed(P(40), PAGE, true).result == MemResult::no_memory);
    CHECK(s.map_fixed(P(31), PAGE, false).result == MemResult::ok); // anon over anon: no new extent
    CHECK(s.map(PAGE).result == MemResult::no_memory);              // P(57), next to nothing
    CHECK(s.set_brk(P(4) + 1) == MemResult::no_memory);             // a brk extent would be a fifth
    CHECK(s.brk() == P(4));
    CHECK(s.unmap(P(31), PAGE).result == MemResult::no_memory);              // a hole splits the mapping
    CHECK(s.remap(P(30), 3 * PAGE, 2 * PAGE, 0, 0).result == MemResult::ok); // trimming: no new extent
    CHECK(s.remap(P(30), 2 * PAGE, 3 * PAGE, 0, 0).result == MemResult::ok); // and back
    CHECK(s.remap(P(31), PAGE, PAGE, MAYMOVE | FIXED, P(40)).result == MemResult::no_memory);
    CHECK(s.remap(P(30), PAGE, 2 * PAGE, MAYMOVE, 0).result == MemResult::no_memory);
    CHECK(s.remap(P(61), PAGE, PAGE, MAYMOVE | FIXED, P(40)).result == MemResult::no_memory);
    CHECK(snapshot(s) == full);
    // What merges or removes still works at the limit.
    REQUIRE(s.map_fixed(P(21), PAGE, false).result == MemResult::ok);
    REQUIRE(s.map(PAGE, P(33)).result == MemResult::ok);
    REQUIRE(s.remap(P(20), 2 * PAGE, 2 * PAGE, MAYMOVE | FIXED, P(40)).result == MemResult::ok);
    REQUIRE(s.unmap(P(40), 2 * PAGE).result == MemResult::ok);
    CHECK(s.extent_count() == 3);
    REQUIRE(s.set_brk(P(5)) == MemResult::ok);
    CHECK(s.extent_count() == 4);

    // A move whose first piece (by address) adds two extents before its second removes one: the final
    // count is what is checked, and it fits.
    auto t = small_space<4>();
    REQUIRE(t.set_brk(P(12)) == MemResult::ok);
    REQUIRE(t.extent_count() == 3);
    const MapResult r = t.remap(P(4), 8 * PAGE, PAGE, MAYMOVE | FIXED, P(1));
    REQUIRE(r.result == MemResult::ok);
    auto want = small_initial();
    want[1] = PageKind::anon;
    check(t, want);
    CHECK(t.extent_count() == 4);
}

TEST_CASE("job space: the default table holds 512 extents, the 513th is refused", "[job_space]") {
    STATIC_REQUIRE(ck::JobSpace<>::capacity == 512);
    STATIC_REQUIRE(sizeof(ck::JobSpace<>) <= 13 * 1024);
    static ck::JobSpace<> s; // 12 KiB: not on the test's stack
    REQUIRE(s.init(BASE, 1200 * PAGE, P(2), 2 * PAGE, 0) == MemResult::ok);
    for (uint64_t i = 0; i < 510; ++i) {
        REQUIRE(s.map_fixed(P(10 + 2 * i), PAGE, true).result == MemResult::ok);
    }
    REQUIRE(s.extent_count() == 512);
    REQUIRE(shape_error(s) == "");
    const Snapshot full = snapshot(s);
    CHECK(s.map_fixed(P(1100), PAGE, true).result == MemResult::no_memory);
    CHECK(s.map(PAGE).result == MemResult::no_memory);
    CHECK(s.unmap(P(2), 0x1000).result == MemResult::ok); // nothing there
    CHECK(s.set_brk(P(3)) == MemResult::no_memory);
    CHECK(snapshot(s) == full);
    REQUIRE(s.map_fixed(P(11), PAGE, true).result == MemResult::ok); // joins two mappings
    CHECK(s.extent_count() == 511);
    CHECK(s.map(PAGE).addr == P(1197));
    CHECK(s.extent_count() == 512);
}

TEST_CASE("job space: outcomes are Linux's errnos", "[job_space]") {
    STATIC_REQUIRE(ck::errno_of(MemResult::ok) == 0);
    STATIC_REQUIRE(ck::errno_of(MemResult::exists) == 17);     // EEXIST
    STATIC_REQUIRE(ck::errno_of(MemResult::no_memory) == 12);  // ENOMEM
    STATIC_REQUIRE(ck::errno_of(MemResult::not_mapped) == 14); // EFAULT
    STATIC_REQUIRE(ck::errno_of(MemResult::invalid) == 22);    // EINVAL
}

// ---- Random operations against a per-page model ----------------------------------------------------------

namespace {

// The semantics of job_space.hpp, page by page, with 128-bit sums; nothing shared with the table's code.
struct Model {
    uint64_t base = 0, end = 0, map_top = 0, brk_start = 0, brk = 0;
    uint32_t capacity = 0;
    std::vector<PageKind> page;
    uint64_t table_full = 0; // operations refused because the table would overflow

    static u128 up(u128 v) { return (v + PAGE - 1) / PAGE * PAGE; }
    static constexpr u128 TOP = u128{1} << 64;
    size_t index(uint64_t a) const { return static_cast<size_t>((a - base) / PAGE); }
    PageKind at(u128 a) const {
        return a >= base && a < end ? page[index(static_cast<uint64_t>(a))] : PageKind::free;
    }
    // [s, e) must lie inside the space.
    bool any_used(uint64_t s, uint64_t e) const {
        for (uint64_t a = s; a < e; a += PAGE) {
            if (at(a) != PageKind::free) {
                return true;
            }
        }
        return false;
    }
    bool all_used(u128 s, u128 e) const {
        if (s < base || e > end) {
            return s >= e;
        }
        for (u128 a = s; a < e; a += PAGE) {
            if (at(a) == PageKind::free) {
                return false;
            }
        }
        return true;
    }
    void set(std::vector<PageKind>& v, uint64_t s, uint64_t e, PageKind k) const {
        for (uint64_t a = s; a < e; a += PAGE) {
            v[index(a)] = k;
        }
    }
    static uint32_t runs(const std::vector<PageKind>& v) {
        uint32_t n = 0;
        for (size_t i = 0; i < v.size(); ++i) {
            n += v[i] != PageKind::free && (i == 0 || v[i - 1] != v[i]) ? 1u : 0u;
        }
        return n;
    }
    bool commit(const std::vector<PageKind>& next) {
        if (runs(next) > capacity) {
            ++table_full;
            return false;
        }
        page = next;
        return true;
    }
    // The top of the highest free run below map_top with room for len, minus len.
    bool top_down(u128 len, uint64_t& addr) const {
        size_t hi = index(map_top);
        while (hi > 0) {
            if (page[hi - 1] != PageKind::free) {
                --hi;
                continue;
            }
            size_t lo = hi;
            while (lo > 0 && page[lo - 1] == PageKind::free) {
                --lo;
            }
            if ((hi - lo) * PAGE >= len) {
                addr = base + hi * PAGE - static_cast<uint64_t>(len);
                return true;
            }
            hi = lo;
        }
        return false;
    }
    static MapResult fail(MemResult r) { return {r, 0, 0, 0, false, 0, 0}; }

    MemResult set_brk(uint64_t v) {
        if (v < brk_start || v > end) {
            return MemResult::invalid;
        }
        const auto old_top = static_cast<uint64_t>(up(brk));
        const auto new_top = static_cast<uint64_t>(up(v));
        std::vector<PageKind> next = page;
        if (new_top > old_top) {
            if (new_top > map_top) {
                return MemResult::no_memory;
            }
            if (any_used(old_top, new_top)) {
                return MemResult::exists;
            }
            set(next, old_top, new_top, PageKind::brk);
        } else {
            for (uint64_t a = new_top; a < old_top; a += PAGE) {
                if (at(a) == PageKind::brk) {
                    next[index(a)] = PageKind::free;
                }
            }
        }
        if (!commit(next)) {
            return MemResult::no_memory;
        }
        brk = v;
        return MemResult::ok;
    }

    MapResult map(uint64_t len, uint64_t hint) {
        if (len == 0) {
            return fail(MemResult::invalid);
        }
        const u128 l = up(len);
        if (l >= TOP) {
            return fail(MemResult::no_memory);
        }
        u128 h = up(hint);
        uint64_t addr = 0;
        if (h != 0 && h < TOP && h >= base && h + l <= map_top &&
            !any_used(static_cast<uint64_t>(h), static_cast<uint64_t>(h + l))) {
            addr = static_cast<uint64_t>(h);
        } else if (!top_down(l, addr)) {
            return fail(MemResult::no_memory);
        }
        std::vector<PageKind> next = page;
        set(next, addr, addr + static_cast<uint64_t>(l), PageKind::anon);
        if (!commit(next)) {
            return fail(MemResult::no_memory);
        }
        return {MemResult::ok, addr, static_cast<uint64_t>(l), 0, false, 0, 0};
    }

    MapResult map_fixed(uint64_t addr, uint64_t len, bool noreplace) {
        if (len == 0) {
            return fail(MemResult::invalid);
        }
        const u128 l = up(len);
        if (l >= TOP || addr < base || addr + l > end) {
            return fail(MemResult::no_memory);
        }
        if (addr % PAGE != 0) {
            return fail(MemResult::invalid);
        }
        const auto e = static_cast<uint64_t>(addr + l);
        if (noreplace && any_used(addr, e)) {
            return fail(MemResult::exists);
        }
        std::vector<PageKind> next = page;
        set(next, addr, e, PageKind::anon);
        if (!commit(next)) {
            return fail(MemResult::no_memory);
        }
        return {MemResult::ok, addr, e - addr, 0, false, 0, 0};
    }

    MapResult unmap(uint64_t addr, uint64_t len) {
        if (addr % PAGE != 0 || len == 0 || addr + up(len) >= TOP) {
            return fail(MemResult::invalid);
        }
        const u128 s = addr > base ? addr : base;
        const u128 e = addr + up(len) < end ? addr + up(len) : end;
        if (s >= e) {
            return {MemResult::ok, addr, 0, 0, false, 0, 0};
        }
        std::vector<PageKind> next = page;
        set(next, static_cast<uint64_t>(s), static_cast<uint64_t>(e), PageKind::free);
        if (!commit(next)) {
            return fail(MemResult::no_memory);
        }
        return {MemResult::ok, static_cast<uint64_t>(s), static_cast<uint64_t>(e - s), 0, false, 0, 0};
    }

    MapResult remap(uint64_t old, uint64_t old_len, uint64_t new_len, uint64_t flags, uint64_t to) {
        if ((flags & ~(MAYMOVE | FIXED)) != 0 || ((flags & FIXED) != 0 && (flags & MAYMOVE) == 0) ||
            old % PAGE != 0) {
            return fail(MemResult::invalid);
        }
        const u128 ol = up(old_len), nl = up(new_len);
        if (ol == 0 || ol >= TOP || nl == 0 || nl >= TOP) {
            return fail(MemResult::invalid);
        }
        if (old + ol > end || !all_used(old, old + ol)) {
            return fail(MemResult::not_mapped);
        }
        const auto o = static_cast<uint64_t>(ol), n = static_cast<uint64_t>(nl);
        std::vector<PageKind> next = page;
        if ((flags & FIXED) != 0) {
            if (to % PAGE != 0 || to < base || to + nl > end || (to < old + ol && old < to + nl)) {
                return fail(MemResult::invalid);
            }
        } else if (n <= o) {
            set(next, old + n, old + o, PageKind::free);
            if (!commit(next)) {
                return fail(MemResult::no_memory);
            }
            return {MemResult::ok, old, n, n, false, old + n, o - n};
        } else if (old + nl <= map_top && !any_used(old + o, old + n)) {
            set(next, old + o, old + n, PageKind::anon);
            if (!commit(next)) {
                return fail(MemResult::no_memory);
            }
            return {MemResult::ok, old, n, o, false, 0, 0};
        } else if ((flags & MAYMOVE) == 0 || !top_down(nl, to)) {
            return fail(MemResult::no_memory);
        }
        set(next, old, old + o, PageKind::free);
        set(next, to, to + n, PageKind::anon);
        if (!commit(next)) {
            return fail(MemResult::no_memory);
        }
        return {MemResult::ok, to, n, o < n ? o : n, true, old, o};
    }

    bool mapped(uint64_t addr, uint64_t len) const {
        if (len == 0) {
            return true;
        }
        const u128 e = up(u128{addr} + len);
        return e < TOP && all_used(addr / PAGE * PAGE, e);
    }
};

struct Random {
    std::mt19937_64 rng;
    const Model& m;
    uint64_t below(uint64_t n) { return rng() % n; }
    // Mostly page-aligned addresses around the space, some unaligned, far away or near 2^64.
    uint64_t addr() {
        const uint64_t pages = (m.end - m.base) / PAGE;
        switch (below(20)) {
        case 0:
            return m.base + below(pages * PAGE);
        case 1:
            return (UINT64_MAX & ~(PAGE - 1)) - below(4) * PAGE;
        case 2:
            return below(2) == 0 ? 0 : uint64_t{1} << 63;
        case 3:
        case 4:
        case 5:
        case 6: { // the start of an in-use page, to hit mappings
            const uint64_t p = below(pages);
            for (uint64_t k = 0; k < pages; ++k) {
                if (m.page[(p + k) % pages] != PageKind::free) {
                    return m.base + (p + k) % pages * PAGE;
                }
            }
            return m.base;
        }
        default:
            return m.base - 4 * PAGE + below(pages + 8) * PAGE;
        }
    }
    // A whole maximal run of in-use pages (often one mapping): its start, its length in len.
    uint64_t run(uint64_t& len) {
        const uint64_t pages = (m.end - m.base) / PAGE;
        uint64_t first = below(pages);
        while (first < pages && m.page[first] == PageKind::free) {
            ++first;
        }
        if (first == pages) {
            len = PAGE;
            return m.base;
        }
        while (first > 0 && m.page[first - 1] == m.page[first]) {
            --first;
        }
        uint64_t last = first + 1;
        while (last < pages && m.page[last] == m.page[first]) {
            ++last;
        }
        len = (last - first) * PAGE;
        return m.base + first * PAGE;
    }
    uint64_t len() {
        switch (below(20)) {
        case 0:
            return 0;
        case 1:
            return UINT64_MAX - below(3 * PAGE);
        case 2:
            return (uint64_t{1} << 63) + below(2) * PAGE;
        case 3:
        case 4:
            return (1 + below(16)) * PAGE - 1 - below(PAGE - 1);
        case 5:
            return (1 + below(100)) * PAGE;
        default:
            return (1 + below(12)) * PAGE;
        }
    }
    uint64_t brk() {
        switch (below(8)) {
        case 0:
            return m.brk_start - below(3);
        case 1:
            return m.end + below(3);
        case 2:
            return m.brk_start + below(m.end - m.brk_start);
        default: {
            const uint64_t delta = below(24 * PAGE);
            return below(2) == 0 ? m.brk + delta : m.brk - (delta < m.brk ? delta : 0);
        }
        }
    }
};

struct Tally {
    uint64_t ok = 0, exists = 0, no_memory = 0, not_mapped = 0, invalid = 0, moved = 0, grown_in_place = 0;
    void count(MemResult r) {
        ok += r == MemResult::ok;
        exists += r == MemResult::exists;
        no_memory += r == MemResult::no_memory;
        not_mapped += r == MemResult::not_mapped;
        invalid += r == MemResult::invalid;
    }
};

// 192 pages: image [0, 6), stack [186, 192), guard [183, 186).
template <uint32_t N>
Tally run_random(uint64_t seed, int steps, Model& model) {
    constexpr uint64_t pages = 192;
    static ck::JobSpace<N> s;
    REQUIRE(s.init(BASE, pages * PAGE, P(6), 6 * PAGE, 3 * PAGE) == MemResult::ok);
    model = Model{BASE, P(pages), P(183), P(6), P(6), N, std::vector<PageKind>(pages, PageKind::free), 0};
    model.set(model.page, P(0), P(6), PageKind::image);
    model.set(model.page, P(186), P(192), PageKind::stack);
    Random rnd{std::mt19937_64(seed), model};
    Tally tally;
    for (int step = 0; step < steps; ++step) {
        const uint64_t op = rnd.below(100);
        std::string what;
        if (op < 15) {
            const uint64_t v = rnd.brk();
            what = "set_brk " + std::to_string(v);
            const MemResult got = s.set_brk(v);
            const MemResult want = model.set_brk(v);
            INFO(what);
            REQUIRE(got == want);
            tally.count(got);
        } else {
            MapResult got{};
            MapResult want{};
            if (op < 35) {
                const uint64_t len = rnd.len();
                const uint64_t hint = rnd.below(4) == 0 ? rnd.addr() : 0;
                what = "map " + std::to_string(len) + " hint " + std::to_string(hint);
                got = s.map(len, hint);
                want = model.map(len, hint);
            } else if (op < 50) {
                const uint64_t addr = rnd.addr(), len = rnd.len();
                const bool noreplace = rnd.below(2) == 0;
                what = "map_fixed " + std::to_string(addr) + " " + std::to_string(len) + " " +
                       std::to_string(noreplace);
                got = s.map_fixed(addr, len, noreplace);
                want = model.map_fixed(addr, len, noreplace);
            } else if (op < 70) {
                const uint64_t addr = rnd.addr(), len = rnd.len();
                what = "unmap " + std::to_string(addr) + " " + std::to_string(len);
                got = s.unmap(addr, len);
                want = model.unmap(addr, len);
            } else {
                static constexpr uint64_t flag_choices[] = {0, MAYMOVE, MAYMOVE, MAYMOVE | FIXED, FIXED, 4};
                uint64_t old = rnd.addr();
                uint64_t old_len = rnd.below(3) == 0 ? rnd.len() : (1 + rnd.below(6)) * PAGE;
                uint64_t new_len = rnd.len();
                if (rnd.below(2) == 0) { // a whole mapping, a little shorter or longer
                    old = rnd.run(old_len);
                    const uint64_t delta = rnd.below(4) * PAGE;
                    new_len =
                        rnd.below(2) == 0 ? old_len + delta : (delta < old_len ? old_len - delta : old_len);
                }
                const uint64_t flags = flag_choices[rnd.below(6)];
                const uint64_t to = rnd.addr();
                what = "remap " + std::to_string(old) + " " + std::to_string(old_len) + " " +
                       std::to_string(new_len) + " flags " + std::to_string(flags) + " to " +
                       std::to_string(to);
                got = s.remap(old, old_len, new_len, flags, to);
                want = model.remap(old, old_len, new_len, flags, to);
                tally.moved += got.result == MemResult::ok && got.moved;
                tally.grown_in_place += got.result == MemResult::ok && !got.moved && got.len > got.kept;
            }
            INFO(what);
            if (want.result != MemResult::ok) {
                REQUIRE(got.result == want.result);
            } else {
                REQUIRE(describe(got) == describe(want));
            }
            tally.count(got.result);
        }
        INFO("after step " << step << ": " << what);
        REQUIRE(shape_error(s) == "");
        REQUIRE(first_difference(pages_of(s), model.page) == "");
        REQUIRE(s.brk() == model.brk);
        const uint64_t qa = rnd.addr(), ql = rnd.len();
        INFO("query " << qa << " " << ql);
        REQUIRE(s.mapped(qa, ql) == model.mapped(qa, ql));
        REQUIRE(s.kind(qa) == model.at(qa));
        uint64_t in_use = 0;
        bool kinds_agree = true;
        s.for_each_mapped(qa, ql, [&](uint64_t start, uint64_t end, PageKind k) {
            in_use += end - start;
            kinds_agree = kinds_agree && model.at(start) == k && model.at(end - 1) == k;
        });
        uint64_t model_in_use = 0;
        const u128 qe = u128{qa} + ql < Model::TOP ? u128{qa} + ql : Model::TOP - 1;
        for (u128 a = qa > model.base ? qa : model.base; a < qe && a < model.end;) {
            const u128 next = (a / PAGE + 1) * PAGE;
            const u128 stop = next < qe ? next : qe;
            model_in_use += model.at(a) != PageKind::free ? static_cast<uint64_t>(stop - a) : 0;
            a = stop;
        }
        REQUIRE(kinds_agree);
        REQUIRE(in_use == model_in_use);
    }
    return tally;
}

} // namespace

TEST_CASE("job space: random operations against a per-page model, small table", "[job_space]") {
    Model model;
    const Tally t = run_random<6>(1, 20000, model);
    CHECK(model.table_full > 500); // the table-full path is exercised
    CHECK(t.exists > 100);
    CHECK(t.not_mapped > 100);
    CHECK(t.invalid > 100);
    CHECK(t.moved > 100);
    CHECK(t.grown_in_place > 10);
    CHECK(t.ok > 5000);
}

TEST_CASE("job space: random operations against a per-page model, default table", "[job_space]") {
    for (uint64_t seed = 2; seed < 4; ++seed) {
        Model model;
        const Tally t = run_random<512>(seed, 10000, model);
        CHECK(model.table_full == 0);
        CHECK(t.exists > 100);
        CHECK(t.moved > 100);
        CHECK(t.grown_in_place > 10);
        CHECK(t.ok > 3000);
    }
}

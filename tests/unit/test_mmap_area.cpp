// The job's mmap area (cokernel/mm/mmap_area.hpp) against a page bitmap: every operation, random ones
// included, must leave the same free pages as the model, in sorted, disjoint, non-adjacent ranges.
#include "mmap_area.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <vector>

namespace {

constexpr uint64_t PAGE = 4096;
constexpr uint64_t BASE = 0x10000000;

struct Model {
    std::vector<bool> free; // one entry per page of the area
    uint64_t alloc(uint64_t pages) {
        // The highest maximal free run that fits, its top part.
        uint64_t end = free.size();
        while (end > 0) {
            while (end > 0 && !free[end - 1])
                --end;
            uint64_t start = end;
            while (start > 0 && free[start - 1])
                --start;
            if (end - start >= pages && pages > 0) {
                for (uint64_t p = end - pages; p < end; ++p)
                    free[p] = false;
                return BASE + (end - pages) * PAGE;
            }
            end = start;
        }
        return 0;
    }
    void set(uint64_t addr, uint64_t len, bool value) {
        for (uint64_t a = addr; a < addr + len; a += PAGE)
            if (a >= BASE && a < BASE + free.size() * PAGE)
                free[(a - BASE) / PAGE] = value;
    }
    uint64_t free_bytes() const {
        uint64_t n = 0;
        for (bool f : free)
            n += f ? PAGE : 0;
        return n;
    }
};

template <uint32_t N>
void check_same(const ck::MmapArea<N>& area, const Model& model) {
    REQUIRE(area.free_bytes() == model.free_bytes());
    // Each maximal free run of the model is one range of the area, so their counts agree.
    uint32_t runs = 0;
    for (size_t i = 0; i < model.free.size(); ++i)
        if (model.free[i] && (i == 0 || !model.free[i - 1]))
            ++runs;
    REQUIRE(area.ranges() == runs);
}

} // namespace

TEST_CASE("mmap area: top-down allocation, munmap of any mapping, reuse") {
    ck::MmapArea<16> area;
    area.init(BASE, BASE + 64 * PAGE);
    const uint64_t a = area.alloc(8 * PAGE);
    const uint64_t b = area.alloc(8 * PAGE);
    const uint64_t c = area.alloc(8 * PAGE);
    CHECK(a == BASE + 56 * PAGE);
    CHECK(b == BASE + 48 * PAGE);
    CHECK(c == BASE + 40 * PAGE);
    REQUIRE(area.release(b, 8 * PAGE)); // not the most recent one
    CHECK(area.ranges() == 2);
    CHECK(area.alloc(8 * PAGE) == b); // its space comes back
    REQUIRE(area.release(a, 8 * PAGE));
    REQUIRE(area.release(b, 8 * PAGE));
    REQUIRE(area.release(c, 8 * PAGE));
    CHECK(area.ranges() == 1);
    CHECK(area.free_bytes() == 64 * PAGE);
    CHECK(area.alloc(64 * PAGE) == BASE);
    CHECK(area.alloc(PAGE) == 0);
    CHECK(area.alloc(0) == 0);
}

TEST_CASE("mmap area: part of a mapping, double munmap, outside, overflow") {
    ck::MmapArea<16> area;
    area.init(BASE, BASE + 16 * PAGE);
    const uint64_t a = area.alloc(16 * PAGE);
    REQUIRE(area.release(a + 4 * PAGE, 2 * PAGE)); // a hole in the middle
    REQUIRE(area.release(a + 4 * PAGE, 2 * PAGE)); // twice
    CHECK(area.free_bytes() == 2 * PAGE);
    REQUIRE(area.release(BASE - 8 * PAGE, 9 * PAGE)); // straddles the bottom: only the inside page
    CHECK(area.free_bytes() == 3 * PAGE);
    REQUIRE(area.release(BASE + 16 * PAGE, PAGE));         // above the area: nothing
    REQUIRE(area.release(BASE + 15 * PAGE, ~uint64_t{0})); // a length that overflows: clipped at the top
    CHECK(area.free_bytes() == 4 * PAGE);
    CHECK(area.ranges() == 3);
    CHECK(area.alloc(2 * PAGE) == BASE + 4 * PAGE);
}

TEST_CASE("mmap area: MAP_FIXED reservations split and trim free ranges") {
    ck::MmapArea<4> area;
    area.init(BASE, BASE + 32 * PAGE);
    REQUIRE(area.reserve(BASE + 8 * PAGE, 2 * PAGE)); // split
    CHECK(area.ranges() == 2);
    CHECK(area.free_bytes() == 30 * PAGE);
    REQUIRE(area.reserve(BASE + 6 * PAGE, 6 * PAGE)); // trims both sides of the hole
    CHECK(area.free_bytes() == 26 * PAGE);
    REQUIRE(area.reserve(BASE, 32 * PAGE)); // everything
    CHECK(area.ranges() == 0);
    CHECK(area.alloc(PAGE) == 0);
}

TEST_CASE("mmap area: a full table refuses without changing anything") {
    ck::MmapArea<2> area;
    area.init(BASE, BASE + 16 * PAGE);
    (void)area.alloc(16 * PAGE);
    REQUIRE(area.release(BASE, PAGE));
    REQUIRE(area.release(BASE + 4 * PAGE, PAGE));
    CHECK_FALSE(area.release(BASE + 8 * PAGE, PAGE)); // a third range does not fit
    CHECK(area.free_bytes() == 2 * PAGE);
    REQUIRE(area.release(BASE + PAGE, PAGE)); // touching one merges: fits
    CHECK(area.free_bytes() == 3 * PAGE);
    REQUIRE(area.reserve(BASE + PAGE, 0)); // an empty reservation changes nothing
    CHECK(area.ranges() == 2);
    area.init(BASE, BASE + 16 * PAGE);
    REQUIRE(area.reserve(BASE + 4 * PAGE, PAGE));
    CHECK_FALSE(area.reserve(BASE + 8 * PAGE, PAGE)); // a split needs a third slot
    CHECK(area.free_bytes() == 15 * PAGE);
}

TEST_CASE("mmap area: random operations against a page bitmap") {
    constexpr uint64_t pages = 512;
    std::mt19937_64 rng(12345);
    ck::MmapArea<8> area;
    area.init(BASE, BASE + pages * PAGE);
    Model model{std::vector<bool>(pages, true)};
    for (int step = 0; step < 20000; ++step) {
        const int op = static_cast<int>(rng() % 3);
        const uint64_t len = (1 + rng() % 64) * PAGE;
        const uint64_t addr = BASE - 16 * PAGE + (rng() % (pages + 32)) * PAGE;
        if (op == 0) {
            const uint64_t got = area.alloc(len);
            const uint64_t want = model.alloc(len / PAGE);
            REQUIRE(got == want);
        } else if (op == 1) {
            if (area.release(addr, len))
                model.set(addr, len, true);
        } else if (addr >= BASE && addr + len <= BASE + pages * PAGE) {
            if (area.reserve(addr, len))
                model.set(addr, len, false);
        }
        check_same(area, model);
    }
}

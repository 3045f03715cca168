// The co-kernel's physical page allocator (cokernel/mm/phys_alloc.hpp).
#include "phys_alloc.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <vector>

using Alloc = ck::PhysAllocator<8>;
constexpr uint64_t PAGE = Alloc::PAGE;
constexpr uint64_t MiB = 1ULL << 20;

TEST_CASE("allocator hands out memory from the ranges it was given", "[phys_alloc]") {
    Alloc a;
    REQUIRE(a.add(0x40200000, 254 * MiB));
    REQUIRE(a.add(0x80000000, 128 * MiB));
    CHECK(a.free_bytes() == 382 * MiB);
    const uint64_t p = a.alloc(PAGE);
    CHECK(p == 0x40200000);
    const uint64_t big = a.alloc(200 * MiB, 2 * MiB);
    CHECK(big % (2 * MiB) == 0);
    CHECK(big >= 0x40200000);
    CHECK(big + 200 * MiB <= 0x40200000 + 254 * MiB);
    CHECK(a.alloc(100 * MiB) == 0x80000000); // does not fit in the first range any more
    CHECK(a.free_bytes() == 382 * MiB - PAGE - 300 * MiB);
}

TEST_CASE("allocator refuses bad requests and double frees", "[phys_alloc]") {
    Alloc a;
    CHECK_FALSE(a.add(0x1001, PAGE));
    CHECK_FALSE(a.add(0x1000, 0));
    REQUIRE(a.add(0x100000, 16 * PAGE));
    CHECK_FALSE(a.add(0x100000 + PAGE, PAGE)); // overlaps free memory
    CHECK(a.alloc(0) == 0);
    CHECK(a.alloc(100) == 0);
    CHECK(a.alloc(PAGE, 3 * PAGE) == 0);
    CHECK(a.alloc(17 * PAGE) == 0);
    const uint64_t p = a.alloc(PAGE);
    REQUIRE(p != 0);
    CHECK(a.free(p, PAGE));
    CHECK_FALSE(a.free(p, PAGE)); // double free
    CHECK(a.free_bytes() == 16 * PAGE);
}

TEST_CASE("freeing everything merges back into the original extents", "[phys_alloc]") {
    ck::PhysAllocator<64> a; // 64 pages freed in random order: at most 32 holes at any time
    REQUIRE(a.add(0x200000, 64 * PAGE));
    std::vector<uint64_t> pages;
    for (uint64_t p = a.alloc(PAGE); p != 0; p = a.alloc(PAGE)) {
        pages.push_back(p);
    }
    CHECK(pages.size() == 64);
    CHECK(a.free_bytes() == 0);
    std::mt19937 rng(42);
    std::shuffle(pages.begin(), pages.end(), rng);
    for (uint64_t p : pages) {
        REQUIRE(a.free(p, PAGE));
        REQUIRE(a.extents() <= 32);
    }
    CHECK(a.extents() == 1);
    CHECK(a.free_bytes() == 64 * PAGE);
    CHECK(a.alloc(64 * PAGE) == 0x200000);
}

TEST_CASE("allocator never splits beyond its extent capacity", "[phys_alloc]") {
    ck::PhysAllocator<2> a;
    REQUIRE(a.add(0x0, 8 * PAGE));
    REQUIRE(a.add(0x100000, 8 * PAGE));
    // An aligned allocation in the middle would need a third extent: it must come from elsewhere or fail.
    const uint64_t p = a.alloc(2 * PAGE, 4 * PAGE);
    CHECK((p == 0 || p % (4 * PAGE) == 0));
    CHECK(a.extents() <= 2);
}

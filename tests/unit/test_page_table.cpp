// Page-table construction (cokernel/mm/page_table.hpp) over a fake physical memory that records every write.
#include "fake_table_memory.hpp"
#include "page_table.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <vector>

namespace {

using ck_test::FakeMemory;

constexpr uint64_t MiB = 1ULL << 20;

} // namespace

TEST_CASE("page tables map 2 MiB pages where possible, 4 KiB elsewhere", "[page_table]") {
    FakeMemory mem;
    const uint64_t root = mem.alloc_table();
    ck::PageTableBuilder<FakeMemory> pt(mem, root);
    const uint64_t base = 0xffffffff80000000ULL;
    REQUIRE(pt.map(base, 0x40000000, 4 * MiB + 8192, ck::pte::WRITE));
    CHECK(pt.translate(base) == 0x40000000);
    CHECK(pt.translate(base + 0x123456) == 0x40123456);
    CHECK(pt.translate(base + 4 * MiB + 0x1008) == 0x40401008);
    CHECK(pt.translate(base + 4 * MiB + 8192) == ck::PageTableBuilder<FakeMemory>::NOT_MAPPED);
    CHECK(pt.translate(0) == ck::PageTableBuilder<FakeMemory>::NOT_MAPPED);
    // PML4 + PDPT + PD + one PT for the two small pages.
    CHECK(mem.tables.size() == 4);
    // Writes: 3 links, 2 large leaves, 2 small leaves; each slot written once.
    CHECK(mem.writes.size() == 7);
    std::set<uint64_t> slots;
    for (const auto& w : mem.writes) {
        CHECK(slots.insert(w.first).second);
    }
    size_t large = 0;
    for (const auto& w : mem.writes) {
        large += (w.second & ck::pte::LARGE) != 0 ? 1 : 0;
    }
    CHECK(large == 2);
}

TEST_CASE("every intermediate state maps nothing or the final page", "[page_table]") {
    FakeMemory mem;
    const uint64_t root = mem.alloc_table();
    ck::PageTableBuilder<FakeMemory> pt(mem, root);
    const uint64_t phys = 0x80000000;
    const uint64_t virt = 0xffff800080000000ULL;
    REQUIRE(pt.map(virt, phys, 6 * MiB, 0));
    // Replay the writes one by one into a second memory and translate after each.
    FakeMemory replay;
    replay.tables = mem.tables;
    ck::PageTableBuilder<FakeMemory> view(replay, root);
    for (const auto& w : mem.writes) {
        replay.words[w.first] = w.second;
        for (uint64_t off = 0; off < 6 * MiB; off += MiB) {
            const uint64_t t = view.translate(virt + off);
            CHECK((t == ck::PageTableBuilder<FakeMemory>::NOT_MAPPED || t == phys + off));
        }
    }
}

TEST_CASE("page tables refuse remapping, misalignment and exhaustion", "[page_table]") {
    FakeMemory mem;
    const uint64_t root = mem.alloc_table();
    ck::PageTableBuilder<FakeMemory> pt(mem, root);
    CHECK_FALSE(pt.map(0x1001, 0x1000, 4096, 0));
    CHECK_FALSE(pt.map(0x1000, 0x1000, 100, 0));
    CHECK_FALSE(pt.map(0x1000, 0x1000, 4096, ck::pte::LARGE)); // flags the builder owns
    REQUIRE(pt.map(0x200000, 0x200000, 2 * MiB, 0));
    CHECK_FALSE(pt.map(0x200000, 0x400000, 2 * MiB, 0)); // already mapped
    CHECK_FALSE(pt.map(0x201000, 0x400000, 4096, 0));    // inside a large page
    mem.limit = mem.tables.size();
    CHECK_FALSE(pt.map(0x7f0000000000ULL, 0x1000, 4096, 0)); // needs new tables
}

TEST_CASE("uncached and no-execute flags reach the leaf", "[page_table]") {
    FakeMemory mem;
    const uint64_t root = mem.alloc_table();
    ck::PageTableBuilder<FakeMemory> pt(mem, root);
    REQUIRE(pt.map(0xffffffffffe00000ULL, 0xfee00000, 2 * MiB, ck::pte::PCD | ck::pte::PWT | ck::pte::NX));
    const auto& leaf = mem.writes.back().second;
    CHECK((leaf & ck::pte::PCD) != 0);
    CHECK((leaf & ck::pte::PWT) != 0);
    CHECK((leaf & ck::pte::NX) != 0);
    CHECK((leaf & ck::pte::ADDR) == 0xfee00000);
}

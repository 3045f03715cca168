// Page protections (PageTableBuilder::protect in cokernel/mm/page_table.hpp), as a job's mmap, mprotect,
// munmap and ELF segments use them: against a model of every 4 KiB page's access, over a fake physical
// memory that records every write.
#include "fake_table_memory.hpp"
#include "page_table.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <vector>

namespace {

using ck_test::FakeMemory;

using Builder = ck::PageTableBuilder<FakeMemory>;
constexpr uint64_t MiB = 1ULL << 20;
constexpr uint64_t PAGE = 4096;
constexpr uint64_t P = ck::pte::PRESENT, W = ck::pte::WRITE, NX = ck::pte::NX;
constexpr uint64_t ACCESS = P | W | NX;
constexpr uint64_t LINK = P | W | ck::pte::USER;
constexpr uint64_t VA = 0x400000, PA = 0x48000000, SIZE = 16 * MiB;

// One job region, as map_user leaves it: 2 MiB pages, read/write, no-execute.
struct Region {
    FakeMemory mem;
    uint64_t root = mem.alloc_table();
    Builder pt{mem, root};
    std::vector<uint64_t> model = std::vector<uint64_t>(SIZE / PAGE, P | W | NX);

    Region() { REQUIRE(pt.map(VA, PA, SIZE, W | NX)); }

    void apply(uint64_t va, uint64_t size, uint64_t access) {
        REQUIRE(pt.protect(va, size, access, LINK));
        for (uint64_t v = va; v < va + size; v += PAGE) {
            model[(v - VA) / PAGE] = access;
        }
    }

    // Every page has the model's access and still its own physical page; a 2 MiB page is split only when
    // its 4 KiB pages differ.
    void check_all() const {
        for (uint64_t v = VA; v < VA + SIZE; v += PAGE) {
            const uint64_t e = pt.leaf(v);
            REQUIRE(e != 0);
            INFO("page 0x" << std::hex << v);
            CHECK((e & ACCESS) == model[(v - VA) / PAGE]);
            const bool large = (e & ck::pte::LARGE) != 0;
            const uint64_t phys =
                large ? (e & ck::pte::ADDR & ~(2 * MiB - 1)) + (v & (2 * MiB - 1)) : e & ck::pte::ADDR;
            CHECK(phys == PA + (v - VA));
            if ((e & P) != 0) {
                CHECK(pt.translate(v) == PA + (v - VA));
            } else {
                CHECK(pt.translate(v) == Builder::NOT_MAPPED);
            }
        }
    }
    size_t split_tables() const {
        size_t n = 0;
        for (uint64_t v = VA; v < VA + SIZE; v += 2 * MiB) {
            const uint64_t e = pt.leaf(v);
            n += e != 0 && (e & ck::pte::LARGE) == 0 ? 1 : 0;
        }
        return n;
    }
};

} // namespace

TEST_CASE("protecting whole 2 MiB pages keeps them 2 MiB", "[page_protect]") {
    Region r;
    const size_t tables = r.mem.tables.size();
    r.apply(VA + 2 * MiB, 4 * MiB, P);      // read-only
    r.apply(VA + 8 * MiB, 2 * MiB, 0);      // none
    r.apply(VA + 10 * MiB, 2 * MiB, P | W); // read/write/execute
    r.check_all();
    CHECK(r.mem.tables.size() == tables);
    CHECK(r.split_tables() == 0);
}

TEST_CASE("a boundary inside a 2 MiB page splits that page only", "[page_protect]") {
    Region r;
    const size_t tables = r.mem.tables.size();
    r.apply(VA + 2 * MiB + 3 * PAGE, 2 * MiB + 5 * PAGE, P); // both ends inside 2 MiB pages
    r.check_all();
    CHECK(r.mem.tables.size() == tables + 2);
    CHECK(r.split_tables() == 2);
    // A range that ends inside an already split page needs no new table.
    r.apply(VA + 2 * MiB, PAGE, 0);
    r.check_all();
    CHECK(r.mem.tables.size() == tables + 2);
    // The same access as the large page has already: no split.
    r.apply(VA + 6 * MiB + PAGE, PAGE, P | W | NX);
    CHECK(r.mem.tables.size() == tables + 2);
    r.check_all();
}

TEST_CASE("not-present pages keep their address and come back", "[page_protect]") {
    Region r;
    r.apply(VA + 5 * PAGE, 3 * PAGE, 0);
    r.apply(VA + 4 * MiB, 2 * MiB, 0);
    r.check_all();
    r.apply(VA + 6 * PAGE, PAGE, P | W);
    r.apply(VA + 4 * MiB, 2 * MiB, P | W | NX);
    r.check_all();
}

TEST_CASE("out of tables: false, and nothing changes", "[page_protect]") {
    Region r;
    r.mem.limit = r.mem.tables.size() + 1;                  // one split possible, not two
    CHECK_FALSE(r.pt.protect(VA + PAGE, 2 * MiB, P, LINK)); // ends inside two different 2 MiB pages
    // The one split that succeeded maps the same pages with the same access.
    r.check_all();
    r.apply(VA + PAGE, PAGE, P); // inside the page that was split: needs no table
    r.check_all();
    r.mem.limit = r.mem.tables.size();
    CHECK_FALSE(r.pt.protect(VA + 4 * MiB + PAGE, PAGE, 0, LINK));
    r.check_all();
}

TEST_CASE("protect refuses misaligned, unknown bits and unmapped ranges", "[page_protect]") {
    Region r;
    CHECK_FALSE(r.pt.protect(VA + 1, PAGE, P, LINK));
    CHECK_FALSE(r.pt.protect(VA, 100, P, LINK));
    CHECK_FALSE(r.pt.protect(VA, PAGE, ck::pte::USER, LINK));
    CHECK_FALSE(r.pt.protect(VA + SIZE, PAGE, P, LINK));
    CHECK_FALSE(r.pt.protect(0x7f0000000000ULL, PAGE, P, LINK));
    CHECK(r.pt.protect(VA, 0, P, LINK));
    r.check_all();
}

TEST_CASE("random protections match a model of every page", "[page_protect]") {
    Region r;
    std::mt19937_64 rng(12345);
    const uint64_t accesses[] = {0, P, P | W, P | NX, P | W | NX};
    for (int round = 0; round < 300; ++round) {
        const uint64_t first = rng() % (SIZE / PAGE);
        const uint64_t count = 1 + rng() % (SIZE / PAGE - first);
        r.apply(VA + first * PAGE, count * PAGE, accesses[rng() % 5]);
    }
    r.check_all();
}

TEST_CASE("every intermediate state of a split maps the old or the new page", "[page_protect]") {
    Region r;
    r.mem.writes.clear();
    r.apply(VA + 2 * MiB + 7 * PAGE, 9 * PAGE, P);
    FakeMemory replay = r.mem;
    // Undo to the start, then redo write by write.
    Region fresh;
    replay.words = fresh.mem.words;
    replay.tables = r.mem.tables;
    Builder view(replay, r.root);
    for (const auto& w : r.mem.writes) {
        replay.words[w.first] = w.second;
        for (uint64_t v = VA + 2 * MiB; v < VA + 4 * MiB; v += PAGE) {
            CHECK(view.translate(v) == PA + (v - VA));
            const uint64_t access = view.leaf(v) & ACCESS;
            const bool inside = v >= VA + 2 * MiB + 7 * PAGE && v < VA + 2 * MiB + 16 * PAGE;
            CHECK((access == (P | W | NX) || (inside && access == P)));
        }
    }
}

TEST_CASE("split tables are found and freed at job end", "[page_protect]") {
    Region r;
    r.apply(VA + PAGE, PAGE, 0);
    r.apply(VA + 6 * MiB + 3 * PAGE, 2 * MiB, P);
    REQUIRE(r.split_tables() == 3);
    std::set<uint64_t> freed;
    r.pt.for_each_split_table([&](uint64_t t) { CHECK(freed.insert(t).second); });
    CHECK(freed.size() == 3);
    for (uint64_t t : freed) {
        CHECK(r.mem.tables.count(t) == 1);
    }
    CHECK(r.split_tables() == 0); // the links are gone: those 2 MiB slots are empty now
    CHECK(r.pt.leaf(VA + PAGE) == 0);
    CHECK(r.pt.leaf(VA + 2 * MiB) != 0); // a 2 MiB page stays
}

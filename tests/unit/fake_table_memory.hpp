// A fake physical memory for PageTableBuilder in the host tests (test_page_table.cpp, test_page_protect.cpp):
// records every write, checks that it lands in a table page, and runs out of tables at `limit`.
#pragma once

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

namespace ck_test {

struct FakeMemory {
    std::map<uint64_t, uint64_t> words; // physical address -> 8-byte entry (absent: 0)
    std::set<uint64_t> tables;          // pages handed out by alloc_table
    std::vector<std::pair<uint64_t, uint64_t>> writes;
    uint64_t next = 0x1000000;
    size_t limit = 100000; // tables alloc_table hands out before it fails

    uint64_t read(uint64_t phys) const {
        auto it = words.find(phys);
        return it == words.end() ? 0 : it->second;
    }
    void write(uint64_t phys, uint64_t value) {
        // Only ever into a table page, and a link only to a table page that exists.
        REQUIRE(tables.count(phys & ~uint64_t{0xfff}) == 1);
        REQUIRE(phys % 8 == 0);
        writes.emplace_back(phys, value);
        words[phys] = value;
    }
    uint64_t alloc_table() {
        if (tables.size() >= limit) {
            return 0;
        }
        const uint64_t p = next;
        next += 0x1000;
        tables.insert(p);
        return p;
    }
};

} // namespace ck_test

// Offlining with fallback and rollback, against a fake sysfs that records writes.
#include "memory_ops.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <map>
#include <set>

using namespace cokernel;
using Catch::Matchers::Contains;

namespace {

struct FakeBlocks {
    std::map<unsigned, std::string> state;             // index -> "online"/"offline"
    std::set<std::pair<unsigned, std::string>> refuse; // (index, written state) that fail with EBUSY
    std::vector<std::string> log;

    BlockStateWriter writer() {
        return [this](unsigned index, const std::string& wanted) {
            log.push_back("memory" + std::to_string(index) + "=" + wanted);
            if (refuse.count({index, wanted}) != 0)
                return EBUSY;
            state[index] = wanted == "offline" ? "offline" : "online";
            return 0;
        };
    }
};

std::vector<MemoryBlock> blocks(std::initializer_list<std::pair<unsigned, MemoryZone>> list) {
    std::vector<MemoryBlock> out;
    for (auto [index, zone] : list) {
        MemoryBlock block;
        block.index = index;
        block.zone = zone;
        out.push_back(block);
    }
    return out;
}

} // namespace

TEST_CASE("offline_blocks takes the first candidates that agree", "[memory]") {
    FakeBlocks fake;
    auto candidates = blocks({{8, MemoryZone::movable}, {9, MemoryZone::movable}, {10, MemoryZone::normal}});
    auto result = offline_blocks(candidates, 2, 0, fake.writer());
    REQUIRE(result.ok());
    CHECK(*result == std::vector<unsigned>{8, 9});
    CHECK(fake.log == std::vector<std::string>{"memory8=offline", "memory9=offline"});
}

TEST_CASE("offline_blocks skips a block that refuses", "[memory]") {
    FakeBlocks fake;
    fake.refuse.insert({8, "offline"});
    auto candidates = blocks({{8, MemoryZone::movable}, {9, MemoryZone::movable}, {10, MemoryZone::normal}});
    auto result = offline_blocks(candidates, 2, 0, fake.writer());
    REQUIRE(result.ok());
    CHECK(*result == std::vector<unsigned>{9, 10});
    CHECK(fake.state.count(8) == 0); // never changed
}

TEST_CASE("offline_blocks gives everything back when not enough blocks agree", "[memory]") {
    FakeBlocks fake;
    fake.refuse.insert({10, "offline"});
    fake.refuse.insert({11, "offline"});
    auto candidates = blocks({{8, MemoryZone::movable},
                              {9, MemoryZone::normal},
                              {10, MemoryZone::normal},
                              {11, MemoryZone::normal}});
    auto result = offline_blocks(candidates, 3, 1, fake.writer());
    REQUIRE_FALSE(result.ok());
    CHECK_THAT(result.error().message, Contains("not enough offlinable memory on NUMA node 1") &&
                                           Contains("2 of 3 blocks") &&
                                           Contains("memory10 (Device or resource busy)") &&
                                           Contains("memory11") && Contains("movablecore="));
    CHECK_THAT(result.error().message, !Contains("warning"));
    // Each block goes back into the zone it came from.
    CHECK(fake.log == std::vector<std::string>{"memory8=offline", "memory9=offline", "memory10=offline",
                                               "memory11=offline", "memory8=online_movable",
                                               "memory9=online_kernel"});
    CHECK(fake.state[8] == "online");
    CHECK(fake.state[9] == "online");
}

TEST_CASE("a rollback that cannot online a block says so", "[memory]") {
    FakeBlocks fake;
    fake.refuse.insert({9, "offline"});
    fake.refuse.insert({8, "online_movable"});
    fake.refuse.insert({8, "online"});
    auto result =
        offline_blocks(blocks({{8, MemoryZone::movable}, {9, MemoryZone::movable}}), 2, 0, fake.writer());
    REQUIRE_FALSE(result.ok());
    CHECK_THAT(result.error().message, Contains("warning: could not online back memory8"));
}

TEST_CASE("online_block falls back to plain online", "[memory]") {
    FakeBlocks fake;
    fake.refuse.insert({5, "online_movable"});
    CHECK(online_block(5, MemoryZone::unknown, fake.writer()) == 0);
    CHECK(fake.log == std::vector<std::string>{"memory5=online_movable", "memory5=online"});
    CHECK(fake.state[5] == "online");

    fake.refuse.insert({5, "online"});
    CHECK(online_block(5, MemoryZone::unknown, fake.writer()) == EBUSY);
}

// Reading a fake sysfs tree (tests/data/sysfs) the way the live command reads /sys.
#include "sysfs.hpp"

#include <catch2/catch.hpp>

using namespace cokernel;

namespace {
const std::filesystem::path fake_root = std::filesystem::path(COKERNEL_TEST_DATA_DIR) / "sysfs";
}

TEST_CASE("sysfs: memory blocks with size, node, zone and state", "[sysfs]") {
    auto result = read_memory_blocks(fake_root);
    INFO((result ? std::string("ok") : result.error().message));
    REQUIRE(result.ok());
    CHECK(result->block_size == 128ull << 20);
    const auto& b = result->blocks;
    REQUIRE(b.size() == 5);
    CHECK(b[0].index == 0);
    CHECK(b[0].zone == MemoryZone::dma);
    CHECK(offlinable(b[0]) == Offlinable::no);
    CHECK(b[1].index == 1);
    CHECK(b[1].start == 128ull << 20);
    CHECK(b[1].zone == MemoryZone::normal);
    CHECK(offlinable(b[1]) == Offlinable::maybe);
    CHECK(b[2].index == 2);
    CHECK_FALSE(b[2].online);
    CHECK(b[2].state == "offline");
    CHECK(offlinable(b[2]) == Offlinable::not_applicable);
    CHECK(b[3].index == 10); // numeric order, not "memory10" < "memory2"
    CHECK(b[3].start == 10 * (128ull << 20));
    CHECK(b[3].node == 1u);
    CHECK(b[3].zone == MemoryZone::movable);
    CHECK(offlinable(b[3]) == Offlinable::yes);
    CHECK(b[4].zone == MemoryZone::none);
    CHECK(offlinable(b[4]) == Offlinable::no);
}

TEST_CASE("sysfs: CPUs present, online and their node links", "[sysfs]") {
    auto present = read_present_cpus(fake_root);
    REQUIRE(present.ok());
    CHECK(*present == std::vector<unsigned>{0, 1, 2, 3});
    CHECK(read_cpu_online(fake_root, 0)); // no online file: CPU 0 cannot go offline
    CHECK(read_cpu_online(fake_root, 1));
    CHECK_FALSE(read_cpu_online(fake_root, 2));
    CHECK(read_cpu_node(fake_root, 1) == 0u);
    CHECK(read_cpu_node(fake_root, 2) == 1u);
    CHECK_FALSE(read_cpu_node(fake_root, 9).has_value());
}

TEST_CASE("sysfs: a tree without memory hot-plug is an error", "[sysfs]") {
    auto result = read_memory_blocks(fake_root / "devices");
    REQUIRE_FALSE(result.ok());
    CHECK_THAT(result.error().message, Catch::Matchers::Contains("memory block size"));
}

TEST_CASE("zones: first word of valid_zones", "[sysfs]") {
    CHECK(parse_zone("Normal Movable") == MemoryZone::normal);
    CHECK(parse_zone("Movable") == MemoryZone::movable);
    CHECK(parse_zone("DMA32") == MemoryZone::dma32);
    CHECK(parse_zone("") == MemoryZone::unknown);
}

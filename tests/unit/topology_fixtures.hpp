// Synthetic machines for the planner tests: hwloc XML files from tests/data
// plus memory-block lists written in the test code.
#pragma once

#include "hwloc_topology.hpp"
#include "topology.hpp"

#include <catch2/catch.hpp>
#include <initializer_list>
#include <string>

namespace cokernel::test {

inline constexpr std::uint64_t block_size = 128ull << 20;
inline constexpr std::uint64_t MiB = 1ull << 20;

struct BlockSpec {
    unsigned index;
    unsigned node;
    MemoryZone zone;
    bool online = true;
};

// tests/data/topologies/NAME.xml with the given memory blocks (128 MiB each).
inline Topology machine(const std::string& name, std::initializer_list<BlockSpec> blocks) {
    auto loaded =
        load_hwloc_topology_xml(std::string(COKERNEL_TEST_DATA_DIR) + "/topologies/" + name + ".xml");
    INFO(name << ": " << (loaded ? std::string("ok") : loaded.error().message));
    REQUIRE(loaded.ok());
    Topology topology = *loaded;
    topology.block_size = block_size;
    for (const BlockSpec& spec : blocks) {
        MemoryBlock block;
        block.index = spec.index;
        block.start = spec.index * block_size;
        block.node = spec.node;
        block.online = spec.online;
        block.state = spec.online ? "online" : "offline";
        block.zone = spec.online ? spec.zone : MemoryZone::unknown;
        topology.blocks.push_back(block);
    }
    return topology;
}

} // namespace cokernel::test

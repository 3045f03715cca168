// What the launcher knows about the machine, as plain values: NUMA nodes, CPUs
// and memory blocks. Loaders (hwloc_topology, live_topology) fill it; the
// planner and the `topo` command only read it, so tests can build one by hand.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cokernel {

struct NumaNode {
    unsigned id = 0;
    std::uint64_t memory_total = 0;           // bytes
    std::optional<std::uint64_t> memory_free; // bytes; unknown in XML topologies
};

struct Cpu {
    unsigned id = 0;              // Linux CPU number (hwloc PU os_index)
    std::optional<unsigned> node; // NUMA node, if known
    std::optional<unsigned> core; // machine-wide core number; unknown for offline CPUs
    bool online = true;
    std::optional<int> enclave; // enclave holding it
};

enum class MemoryZone { dma, dma32, normal, movable, device, none, unknown };

enum class Offlinable { yes, maybe, no, not_applicable };

struct MemoryBlock {
    unsigned index = 0;      // N in /sys/devices/system/memory/memoryN
    std::uint64_t start = 0; // physical address: index * block size
    std::optional<unsigned> node;
    bool online = true;
    std::string state;                     // as sysfs says: online, offline, going-offline
    MemoryZone zone = MemoryZone::unknown; // meaningful for online blocks only
    std::optional<int> enclave;            // enclave holding it (from the module)
};

struct Topology {
    std::vector<NumaNode> nodes;     // sorted by id
    std::vector<Cpu> cpus;           // sorted by id
    std::vector<MemoryBlock> blocks; // sorted by index
    std::uint64_t block_size = 0;    // bytes; 0 when unknown

    const Cpu* find_cpu(unsigned id) const;
    const NumaNode* find_node(unsigned id) const;
};

// Movable: yes; Normal: maybe; other zones: no; offline blocks: not applicable.
Offlinable offlinable(const MemoryBlock& block);
const char* to_string(MemoryZone zone);
const char* to_string(Offlinable value);
// First word of sysfs valid_zones ("Normal Movable" -> normal).
MemoryZone parse_zone(const std::string& valid_zones);

} // namespace cokernel

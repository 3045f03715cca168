#include "live_topology.hpp"

#include "hwloc_topology.hpp"
#include "planner.hpp"
#include "sysfs.hpp"

#include <algorithm>
#include <numa.h>

namespace cokernel {
namespace {

void add_offline_cpus(Topology& topology, const std::filesystem::path& root) {
    auto present = read_present_cpus(root);
    if (!present)
        return;
    for (unsigned id : *present) {
        if (topology.find_cpu(id) != nullptr)
            continue;
        // hwloc omits offline CPUs; their node link in sysfs survives going offline.
        Cpu cpu;
        cpu.id = id;
        cpu.node = read_cpu_node(root, id);
        topology.cpus.push_back(cpu);
    }
    std::sort(topology.cpus.begin(), topology.cpus.end(),
              [](const Cpu& a, const Cpu& b) { return a.id < b.id; });
}

void read_node_memory(Topology& topology) {
    if (numa_available() < 0)
        return; // no NUMA in this kernel: hwloc's single node stands
    for (int id = 0; id <= numa_max_node(); ++id) {
        long long free = 0;
        long long total = numa_node_size64(id, &free);
        if (total < 0)
            continue;
        auto node_id = static_cast<unsigned>(id);
        auto it = std::find_if(topology.nodes.begin(), topology.nodes.end(),
                               [&](const NumaNode& n) { return n.id == node_id; });
        if (it == topology.nodes.end()) {
            topology.nodes.push_back(NumaNode{node_id, 0, std::nullopt});
            it = topology.nodes.end() - 1;
        }
        it->memory_total = static_cast<std::uint64_t>(total);
        it->memory_free = static_cast<std::uint64_t>(std::max(free, 0LL));
    }
    std::sort(topology.nodes.begin(), topology.nodes.end(),
              [](const NumaNode& a, const NumaNode& b) { return a.id < b.id; });
}

} // namespace

void mark_enclaves(Topology& topology, const std::vector<EnclaveInfo>& enclaves) {
    for (const EnclaveInfo& enclave : enclaves) {
        for (unsigned id : enclave.cpus)
            for (Cpu& cpu : topology.cpus)
                if (cpu.id == id)
                    cpu.enclave = enclave.id;
        for (unsigned index : blocks_in_ranges(enclave.ranges, topology.block_size))
            for (MemoryBlock& block : topology.blocks)
                if (block.index == index)
                    block.enclave = enclave.id;
    }
}

Result<Topology> load_live_topology(const std::filesystem::path& sysfs_root,
                                    const std::vector<EnclaveInfo>& enclaves) {
    auto topology = load_hwloc_topology();
    if (!topology)
        return topology.error();
    add_offline_cpus(*topology, sysfs_root);
    for (Cpu& cpu : topology->cpus)
        cpu.online = read_cpu_online(sysfs_root, cpu.id);
    read_node_memory(*topology);
    if (auto blocks = read_memory_blocks(sysfs_root)) {
        topology->block_size = blocks->block_size;
        topology->blocks = std::move(blocks->blocks);
    }
    mark_enclaves(*topology, enclaves);
    return topology;
}

} // namespace cokernel

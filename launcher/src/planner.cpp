#include "planner.hpp"

#include "parse.hpp"
#include "text.hpp"

#include <algorithm>
#include <map>

namespace cokernel {
namespace {

constexpr unsigned linux_cpu = 0;

bool is_free(const Cpu& cpu) {
    return cpu.id != linux_cpu && cpu.online && !cpu.enclave;
}

unsigned node_of(const Cpu& cpu) {
    return cpu.node.value_or(0);
}

// CPUs without core information form a core of their own.
std::uint64_t core_key(const Cpu& cpu) {
    return cpu.core ? *cpu.core : (std::uint64_t{1} << 32) + cpu.id;
}

std::string cpu_count(std::size_t n) {
    return cat(n, n == 1 ? " CPU" : " CPUs");
}

std::vector<unsigned> all_cpu_ids(const Topology& topology) {
    std::vector<unsigned> ids;
    for (const Cpu& cpu : topology.cpus)
        ids.push_back(cpu.id);
    return ids;
}

// n CPUs out of `free` (all on one node): whole cores first, the core of CPU 0 last.
std::vector<unsigned> choose_cpus(const Topology& topology, const std::vector<const Cpu*>& free, unsigned n) {
    std::map<std::uint64_t, std::size_t> core_size;
    for (const Cpu& cpu : topology.cpus)
        ++core_size[core_key(cpu)];
    std::map<std::uint64_t, std::vector<unsigned>> free_by_core; // ids ascending within a core
    for (const Cpu* cpu : free)
        free_by_core[core_key(*cpu)].push_back(cpu->id);
    std::optional<std::uint64_t> linux_core;
    if (const Cpu* cpu0 = topology.find_cpu(linux_cpu))
        linux_core = core_key(*cpu0);

    // Offline CPUs lose their core in sysfs, so a core whose sibling sits in an
    // enclave looks smaller than the rest: only cores of the largest size count as whole.
    std::size_t largest = 0;
    for (const auto& [core, size] : core_size)
        largest = std::max(largest, size);
    auto is_whole = [&](std::uint64_t core, std::size_t n_free) {
        return n_free == core_size[core] && n_free == largest;
    };

    std::vector<std::pair<unsigned, std::uint64_t>> whole; // (lowest id, core)
    for (auto& [core, ids] : free_by_core) {
        std::sort(ids.begin(), ids.end());
        if (is_whole(core, ids.size()) && core != linux_core)
            whole.emplace_back(ids.front(), core);
    }
    std::sort(whole.begin(), whole.end());

    std::vector<unsigned> chosen;
    for (const auto& [lowest, core] : whole) {
        const auto& ids = free_by_core[core];
        if (chosen.size() + ids.size() <= n)
            chosen.insert(chosen.end(), ids.begin(), ids.end());
    }
    if (chosen.size() < n) {
        // Split cores as little as possible: cores already split, then whole ones, CPU 0's last.
        std::vector<std::pair<int, unsigned>> rest; // (rank, id)
        for (const auto& [core, ids] : free_by_core) {
            int rank = core == linux_core ? 2 : (is_whole(core, ids.size()) ? 1 : 0);
            for (unsigned id : ids)
                if (std::find(chosen.begin(), chosen.end(), id) == chosen.end())
                    rest.emplace_back(rank, id);
        }
        std::sort(rest.begin(), rest.end());
        for (std::size_t i = 0; chosen.size() < n && i < rest.size(); ++i)
            chosen.push_back(rest[i].second);
    }
    std::sort(chosen.begin(), chosen.end());
    return chosen;
}

std::vector<const Cpu*> free_cpus_of(const Topology& topology, unsigned node) {
    std::vector<const Cpu*> out;
    for (const Cpu& cpu : topology.cpus)
        if (is_free(cpu) && node_of(cpu) == node)
            out.push_back(&cpu);
    return out;
}

Status check_listed_cpus(const Topology& topology, const std::vector<unsigned>& cpus) {
    if (cpus.empty())
        return fail("the CPU list is empty");
    if (cpus.size() > COKERNEL_MAX_ENCLAVE_CPUS)
        return fail(cat("an enclave can have at most ", COKERNEL_MAX_ENCLAVE_CPUS, " CPUs; ", cpus.size(),
                        " were requested"));
    const Cpu* first = nullptr;
    for (unsigned id : cpus) {
        if (id == linux_cpu)
            return fail("CPU 0 stays with Linux; choose other CPUs");
        const Cpu* cpu = topology.find_cpu(id);
        if (cpu == nullptr)
            return fail(cat("CPU ", id, " does not exist (this machine has CPUs ",
                            format_cpu_list(all_cpu_ids(topology)), ")"));
        if (cpu->enclave)
            return fail(cat("CPU ", id, " is already in enclave ", *cpu->enclave,
                            "; choose other CPUs or run 'cokernel destroy ", *cpu->enclave, "'"));
        if (!cpu->online)
            return fail(cat("CPU ", id,
                            " is offline; bring it back with 'echo 1 > /sys/devices/system/cpu/cpu", id,
                            "/online'"));
        if (first == nullptr)
            first = cpu;
        else if (node_of(*cpu) != node_of(*first))
            return fail(cat("CPUs ", first->id, " and ", id, " are on different NUMA nodes (",
                            node_of(*first), " and ", node_of(*cpu),
                            "); an enclave's CPUs must share one node"));
    }
    return Ok{};
}

std::string memory_shortage(const Topology& topology, unsigned node, std::uint64_t requested) {
    auto candidates = offlinable_blocks(topology, node);
    const NumaNode* n = topology.find_node(node);
    if (n != nullptr && n->memory_total == 0 && candidates.empty())
        return cat("NUMA node ", node, " has no memory; take memory from another node with --numa NODE");
    return cat("not enough offlinable memory on NUMA node ", node, ": ", format_size(requested),
               " requested, ", format_size(candidates.size() * topology.block_size),
               " online in Movable or Normal zones; boot Linux with movablecore=SIZE to make more memory "
               "offlinable");
}

} // namespace

std::vector<MemoryBlock> offlinable_blocks(const Topology& topology, unsigned node) {
    std::vector<MemoryBlock> movable;
    std::vector<MemoryBlock> normal;
    for (const MemoryBlock& block : topology.blocks) {
        if (!block.online || block.enclave || block.node.value_or(0) != node)
            continue;
        if (block.zone == MemoryZone::movable)
            movable.push_back(block);
        else if (block.zone == MemoryZone::normal)
            normal.push_back(block);
    }
    movable.insert(movable.end(), normal.begin(), normal.end());
    return movable;
}

Result<Plan> plan_enclave(const Topology& topology, const CreateRequest& request) {
    if (request.cpus.has_value() == request.ncpus.has_value())
        return fail("give exactly one of --cpus LIST and --ncpus N");
    if (topology.block_size == 0)
        return fail("this kernel has no memory hot-plug (no /sys/devices/system/memory); enable "
                    "CONFIG_MEMORY_HOTPLUG");
    if (request.memory == 0 || request.memory % topology.block_size != 0) {
        std::uint64_t up = (request.memory / topology.block_size + 1) * topology.block_size;
        return fail(cat("memory size ", format_size(request.memory),
                        " is not a multiple of the memory block size (", format_size(topology.block_size),
                        " = ", topology.block_size, " bytes); try --mem ",
                        up % (1u << 20) == 0 ? cat(up >> 20, "M") : cat(up)));
    }
    if (request.numa && topology.find_node(*request.numa) == nullptr)
        return fail(cat("NUMA node ", *request.numa, " does not exist"));

    Plan plan;
    plan.blocks_needed = request.memory / topology.block_size;

    if (request.cpus) {
        if (Status status = check_listed_cpus(topology, *request.cpus); !status)
            return status.error();
        plan.cpus = *request.cpus;
        plan.cpu_node = node_of(*topology.find_cpu(plan.cpus.front()));
        plan.memory_node = request.numa.value_or(plan.cpu_node);
    } else {
        unsigned n = *request.ncpus;
        if (n == 0)
            return fail("--ncpus must be at least 1");
        if (n > COKERNEL_MAX_ENCLAVE_CPUS)
            return fail(cat("an enclave can have at most ", COKERNEL_MAX_ENCLAVE_CPUS, " CPUs; ", n,
                            " were requested"));
        std::vector<std::string> why;
        std::optional<unsigned> chosen;
        for (const NumaNode& node : topology.nodes) {
            if (request.numa && node.id != *request.numa)
                continue;
            std::size_t free = free_cpus_of(topology, node.id).size();
            std::size_t blocks = offlinable_blocks(topology, node.id).size();
            if (free >= n && blocks >= plan.blocks_needed) {
                chosen = node.id;
                break;
            }
            why.push_back(cat("node ", node.id, ": ", cpu_count(free), " free, ",
                              blocks == 0 ? std::string("no") : format_size(blocks * topology.block_size),
                              " offlinable memory"));
        }
        if (!chosen) {
            if (request.numa) {
                if (free_cpus_of(topology, *request.numa).size() < n)
                    return fail(cat("not enough free CPUs on NUMA node ", *request.numa, ": ", n,
                                    " requested, ", why.front(),
                                    " (CPU 0 and CPUs in enclaves are not free)"));
                return fail(memory_shortage(topology, *request.numa, request.memory));
            }
            return fail(cat("no NUMA node has ", cpu_count(n), " free and ", format_size(request.memory),
                            " of offlinable memory (", join(why, "; "),
                            "); ask for less, free CPUs with 'cokernel destroy', or boot Linux with "
                            "movablecore=SIZE"));
        }
        plan.cpu_node = *chosen;
        plan.memory_node = *chosen;
        plan.cpus = choose_cpus(topology, free_cpus_of(topology, *chosen), n);
    }

    plan.block_candidates = offlinable_blocks(topology, plan.memory_node);
    if (plan.block_candidates.size() < plan.blocks_needed)
        return fail(memory_shortage(topology, plan.memory_node, request.memory));
    return plan;
}

std::vector<MemRange> merge_blocks(std::vector<unsigned> indices, std::uint64_t block_size) {
    std::sort(indices.begin(), indices.end());
    indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
    std::vector<MemRange> ranges;
    for (unsigned index : indices) {
        std::uint64_t start = std::uint64_t{index} * block_size;
        if (!ranges.empty() && ranges.back().start + ranges.back().size == start)
            ranges.back().size += block_size;
        else
            ranges.push_back(MemRange{start, block_size});
    }
    return ranges;
}

std::vector<MemRange> candidate_ranges(const std::vector<MemoryBlock>& candidates, std::uint64_t block_size) {
    std::vector<MemRange> ranges;
    for (const MemoryBlock& block : candidates) {
        const std::uint64_t start = std::uint64_t{block.index} * block_size;
        if (!ranges.empty() && ranges.back().start + ranges.back().size == start) {
            ranges.back().size += block_size;
            continue;
        }
        if (ranges.size() == COKERNEL_MAX_MEM_RANGES)
            break;
        ranges.push_back(MemRange{start, block_size});
    }
    return ranges;
}

std::vector<unsigned> blocks_in_ranges(const std::vector<MemRange>& ranges, std::uint64_t block_size) {
    std::vector<unsigned> out;
    if (block_size == 0)
        return out;
    for (const MemRange& range : ranges)
        for (std::uint64_t addr = range.start; addr < range.start + range.size; addr += block_size)
            out.push_back(static_cast<unsigned>(addr / block_size));
    return out;
}

} // namespace cokernel

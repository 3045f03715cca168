// Chooses an enclave's CPUs and memory-block candidates from a Topology.
// Pure: no system calls, so every rule is unit-tested on synthetic machines.
//
// Rules: CPU 0 stays with Linux; all CPUs on one NUMA node; --ncpus takes
// whole free cores first (all hyperthreads of a core together, the core of
// CPU 0 last), lowest CPU ids first; memory comes from the CPUs' node unless
// --numa names another; only online blocks in the Movable zone (first) or the
// Normal zone (then) are candidates.
#pragma once

#include "module_client.hpp"
#include "result.hpp"
#include "topology.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace cokernel {

struct CreateRequest {
    std::optional<std::vector<unsigned>> cpus; // --cpus
    std::optional<unsigned> ncpus;             // --ncpus
    std::uint64_t memory = 0;                  // --mem, bytes
    std::optional<unsigned> numa;              // --numa
};

struct Plan {
    std::vector<unsigned> cpus; // sorted
    unsigned cpu_node = 0;
    unsigned memory_node = 0;
    std::size_t blocks_needed = 0;
    // Online blocks of memory_node in order of preference; at least blocks_needed.
    std::vector<MemoryBlock> block_candidates;
};

Result<Plan> plan_enclave(const Topology& topology, const CreateRequest& request);

// Blocks a node could give, best first: Movable, then Normal, ascending index.
std::vector<MemoryBlock> offlinable_blocks(const Topology& topology, unsigned node);

// Block indices -> physical ranges; adjacent blocks become one range.
std::vector<MemRange> merge_blocks(std::vector<unsigned> indices, std::uint64_t block_size);
// The candidates as CREATE takes them: in order of preference, consecutive adjacent blocks merged, at most
// COKERNEL_MAX_MEM_RANGES ranges (the module takes what it needs from the front).
std::vector<MemRange> candidate_ranges(const std::vector<MemoryBlock>& candidates, std::uint64_t block_size);
// The inverse: every block index a range covers.
std::vector<unsigned> blocks_in_ranges(const std::vector<MemRange>& ranges, std::uint64_t block_size);

} // namespace cokernel

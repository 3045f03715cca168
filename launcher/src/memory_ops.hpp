// Taking memory blocks away from Linux and giving them back, through a
// block-state writer (sysfs in the command, a fake in the tests).
#pragma once

#include "result.hpp"
#include "topology.hpp"

#include <functional>
#include <string>
#include <vector>

namespace cokernel {

// Writes a state ("offline", "online_movable", ...) to block `index`; returns 0 or an errno.
using BlockStateWriter = std::function<int(unsigned index, const std::string& state)>;

// Offlines candidates in order until `needed` succeeded. On success returns the
// offlined indices; otherwise onlines back what it took (into the zone each
// block came from) and fails naming the blocks that refused.
Result<std::vector<unsigned>> offline_blocks(const std::vector<MemoryBlock>& candidates, std::size_t needed,
                                             unsigned node, const BlockStateWriter& write);

// Onlines one block: `online_movable` first (or `online_kernel` when the block
// came from the Normal zone), then plain `online`. Returns 0 or the last errno.
int online_block(unsigned index, MemoryZone previous_zone, const BlockStateWriter& write);

// Rollback: onlines every block of `offlined` into the zone it had in `before`.
// Returns the names of blocks that stayed offline ("memory12").
std::vector<std::string> online_back(const std::vector<unsigned>& offlined,
                                     const std::vector<MemoryBlock>& before, const BlockStateWriter& write);

} // namespace cokernel

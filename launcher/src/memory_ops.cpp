#include "memory_ops.hpp"

#include "text.hpp"

namespace cokernel {

int online_block(unsigned index, MemoryZone previous_zone, const BlockStateWriter& write) {
    const char* first = previous_zone == MemoryZone::normal ? "online_kernel" : "online_movable";
    int err = write(index, first);
    if (err == 0)
        return 0;
    return write(index, "online");
}

std::vector<std::string> online_back(const std::vector<unsigned>& offlined,
                                     const std::vector<MemoryBlock>& before, const BlockStateWriter& write) {
    std::vector<std::string> stuck;
    for (unsigned index : offlined) {
        MemoryZone zone = MemoryZone::unknown;
        for (const MemoryBlock& block : before)
            if (block.index == index)
                zone = block.zone;
        if (online_block(index, zone, write) != 0)
            stuck.push_back(cat("memory", index));
    }
    return stuck;
}

Result<std::vector<unsigned>> offline_blocks(const std::vector<MemoryBlock>& candidates, std::size_t needed,
                                             unsigned node, const BlockStateWriter& write) {
    std::vector<unsigned> offlined;
    std::vector<std::string> refused;
    for (const MemoryBlock& block : candidates) {
        if (offlined.size() == needed)
            break;
        if (int err = write(block.index, "offline"); err != 0)
            refused.push_back(cat("memory", block.index, " (", errno_text(err), ")"));
        else
            offlined.push_back(block.index);
    }
    if (offlined.size() == needed)
        return offlined;

    std::vector<std::string> stuck = online_back(offlined, candidates, write);
    std::string message = cat(
        "not enough offlinable memory on NUMA node ", node, ": ", offlined.size(), " of ", needed,
        " blocks could be offlined; refused: ", refused.empty() ? std::string("none") : join(refused, ", "),
        "; boot Linux with movablecore=SIZE so that memory is movable");
    if (!stuck.empty())
        message += cat(" (warning: could not online back ", join(stuck, ", "),
                       "; run 'echo online > /sys/devices/system/memory/memoryN/state')");
    return fail(message);
}

} // namespace cokernel

// Reading and writing the sysfs files the launcher uses. Every function takes
// the sysfs root ("/sys" on a real system) so tests can point it at a fake tree.
#pragma once

#include "result.hpp"
#include "topology.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cokernel {

inline const std::filesystem::path default_sysfs_root = "/sys";

// The file's contents without the trailing newline.
Result<std::string> read_sysfs_file(const std::filesystem::path& path);

// devices/system/cpu/present as a list.
Result<std::vector<unsigned>> read_present_cpus(const std::filesystem::path& root);
// devices/system/cpu/cpuN/online; CPUs without the file (CPU 0) cannot go offline: true.
bool read_cpu_online(const std::filesystem::path& root, unsigned cpu);
// The nodeX link in devices/system/cpu/cpuN.
std::optional<unsigned> read_cpu_node(const std::filesystem::path& root, unsigned cpu);

// devices/system/memory/block_size_bytes (hex).
Result<std::uint64_t> read_block_size(const std::filesystem::path& root);

struct MemoryBlocks {
    std::uint64_t block_size = 0;
    std::vector<MemoryBlock> blocks; // sorted by index
};
// Everything under devices/system/memory: block_size_bytes (hex) and each memoryN.
Result<MemoryBlocks> read_memory_blocks(const std::filesystem::path& root);

std::filesystem::path memory_block_state_path(const std::filesystem::path& root, unsigned index);
// devices/system/memory/memoryN/state reads "online".
bool read_memory_block_online(const std::filesystem::path& root, unsigned index);

} // namespace cokernel

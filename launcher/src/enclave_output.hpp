// How enclaves and their memory are shown by create, list and destroy.
#pragma once

#include "module_client.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace cokernel {

// "0x100000000-0x10fffffff"
std::string format_range(const MemRange& range);
// "256 MiB: 0x100000000-0x10fffffff, 0x...": total then ranges.
std::string format_memory(const std::vector<MemRange>& ranges);
// "memory32-memory33, memory40"
std::string format_blocks(const std::vector<MemRange>& ranges, std::uint64_t block_size);
std::uint64_t total_size(const std::vector<MemRange>& ranges);

std::string enclaves_text(const std::vector<EnclaveInfo>& enclaves);
std::string enclaves_json(const std::vector<EnclaveInfo>& enclaves);

} // namespace cokernel

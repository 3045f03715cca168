// The topology of the machine we run on: hwloc for structure, sysfs for CPU
// online state and memory blocks, libnuma for node memory, and the module's
// enclaves (when it is loaded) for what is already taken.
#pragma once

#include "module_client.hpp"
#include "result.hpp"
#include "topology.hpp"

#include <filesystem>
#include <vector>

namespace cokernel {

Result<Topology> load_live_topology(const std::filesystem::path& sysfs_root,
                                    const std::vector<EnclaveInfo>& enclaves);

// Marks CPUs and memory blocks that belong to enclaves.
void mark_enclaves(Topology& topology, const std::vector<EnclaveInfo>& enclaves);

} // namespace cokernel

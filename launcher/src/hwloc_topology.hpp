// CPU and NUMA structure from hwloc: which CPUs exist, their cores and nodes,
// and each node's memory size. Memory blocks are not hwloc's business (sysfs).
#pragma once

#include "result.hpp"
#include "topology.hpp"

#include <string>

namespace cokernel {

// The machine we run on. hwloc lists online CPUs only; live_topology adds the rest.
Result<Topology> load_hwloc_topology();
// An hwloc XML export (lstopo --of xml); used by the unit tests.
Result<Topology> load_hwloc_topology_xml(const std::string& path);

} // namespace cokernel

// What `cokernel topo` prints, as pure functions of a Topology.
#pragma once

#include "topology.hpp"

#include <string>

namespace cokernel {

// "online", "offline" or "enclave 3".
std::string cpu_state(const Cpu& cpu);
std::string topology_text(const Topology& topology);
std::string topology_json(const Topology& topology);

} // namespace cokernel

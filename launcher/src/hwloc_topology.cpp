#include "hwloc_topology.hpp"

#include "text.hpp"

#include <algorithm>
#include <hwloc.h>
#include <string>

namespace cokernel {
namespace {

// Owns an hwloc_topology_t.
class HwlocTopology {
  public:
    HwlocTopology() = default;
    HwlocTopology(const HwlocTopology&) = delete;
    HwlocTopology& operator=(const HwlocTopology&) = delete;
    ~HwlocTopology() {
        if (topo_ != nullptr)
            hwloc_topology_destroy(topo_);
    }
    bool init() { return hwloc_topology_init(&topo_) == 0; }
    hwloc_topology_t get() const { return topo_; }

  private:
    hwloc_topology_t topo_ = nullptr;
};

Topology extract(hwloc_topology_t topo) {
    Topology out;
    for (hwloc_obj_t node = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, nullptr); node != nullptr;
         node = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, node)) {
        NumaNode n;
        n.id = node->os_index;
        n.memory_total = node->attr != nullptr ? node->attr->numanode.local_memory : 0;
        out.nodes.push_back(n);
    }
    for (hwloc_obj_t pu = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_PU, nullptr); pu != nullptr;
         pu = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_PU, pu)) {
        Cpu cpu;
        cpu.id = pu->os_index;
        if (hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_CORE, pu); core != nullptr)
            cpu.core = core->logical_index;
        for (hwloc_obj_t node = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, nullptr);
             node != nullptr; node = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, node)) {
            if (node->cpuset != nullptr && hwloc_bitmap_isset(node->cpuset, pu->os_index) != 0) {
                cpu.node = node->os_index;
                break;
            }
        }
        out.cpus.push_back(cpu);
    }
    std::sort(out.nodes.begin(), out.nodes.end(),
              [](const NumaNode& a, const NumaNode& b) { return a.id < b.id; });
    std::sort(out.cpus.begin(), out.cpus.end(), [](const Cpu& a, const Cpu& b) { return a.id < b.id; });
    return out;
}

Result<Topology> load(const std::string* xml_path) {
    HwlocTopology topo;
    if (!topo.init())
        return fail("hwloc could not initialize a topology");
    if (xml_path != nullptr) {
        if (hwloc_topology_set_xml(topo.get(), xml_path->c_str()) != 0)
            return fail(cat("hwloc could not read the topology file ", *xml_path));
    } else {
        // CPUs outside our cgroup still belong to the machine we partition.
        hwloc_topology_set_flags(topo.get(), HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED);
    }
    if (hwloc_topology_load(topo.get()) != 0)
        return fail(xml_path != nullptr ? cat("hwloc could not load the topology file ", *xml_path)
                                        : std::string("hwloc could not discover this machine's topology"));
    return extract(topo.get());
}

} // namespace

Result<Topology> load_hwloc_topology() {
    return load(nullptr);
}

Result<Topology> load_hwloc_topology_xml(const std::string& path) {
    return load(&path);
}

} // namespace cokernel

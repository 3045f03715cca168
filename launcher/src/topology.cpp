#include "topology.hpp"

#include <sstream>

namespace cokernel {

const Cpu* Topology::find_cpu(unsigned id) const {
    for (const Cpu& cpu : cpus)
        if (cpu.id == id)
            return &cpu;
    return nullptr;
}

const NumaNode* Topology::find_node(unsigned id) const {
    for (const NumaNode& node : nodes)
        if (node.id == id)
            return &node;
    return nullptr;
}

Offlinable offlinable(const MemoryBlock& block) {
    if (!block.online)
        return Offlinable::not_applicable;
    switch (block.zone) {
    case MemoryZone::movable:
        return Offlinable::yes;
    case MemoryZone::normal:
        return Offlinable::maybe;
    default:
        return Offlinable::no;
    }
}

const char* to_string(MemoryZone zone) {
    switch (zone) {
    case MemoryZone::dma:
        return "DMA";
    case MemoryZone::dma32:
        return "DMA32";
    case MemoryZone::normal:
        return "Normal";
    case MemoryZone::movable:
        return "Movable";
    case MemoryZone::device:
        return "Device";
    case MemoryZone::none:
        return "none";
    case MemoryZone::unknown:
        break;
    }
    return "-";
}

const char* to_string(Offlinable value) {
    switch (value) {
    case Offlinable::yes:
        return "yes";
    case Offlinable::maybe:
        return "maybe";
    case Offlinable::no:
        return "no";
    case Offlinable::not_applicable:
        break;
    }
    return "-";
}

MemoryZone parse_zone(const std::string& valid_zones) {
    std::istringstream in(valid_zones);
    std::string first;
    in >> first;
    if (first == "DMA")
        return MemoryZone::dma;
    if (first == "DMA32")
        return MemoryZone::dma32;
    if (first == "Normal")
        return MemoryZone::normal;
    if (first == "Movable")
        return MemoryZone::movable;
    if (first == "Device")
        return MemoryZone::device;
    if (first == "none")
        return MemoryZone::none;
    return MemoryZone::unknown;
}

} // namespace cokernel

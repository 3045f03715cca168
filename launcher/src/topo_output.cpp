#include "topo_output.hpp"

#include "json.hpp"
#include "parse.hpp"
#include "table.hpp"
#include "text.hpp"

#include <sstream>

namespace cokernel {
namespace {

std::vector<unsigned> cpus_of_node(const Topology& topology, unsigned node) {
    std::vector<unsigned> ids;
    for (const Cpu& cpu : topology.cpus)
        if (cpu.node == node)
            ids.push_back(cpu.id);
    return ids;
}

std::string optional_number(const std::optional<unsigned>& value) {
    return value ? std::to_string(*value) : std::string("-");
}

std::string block_state(const MemoryBlock& block) {
    return block.enclave ? cat("enclave ", *block.enclave) : block.state;
}

template <class T>
void optional_value(JsonWriter& json, const std::optional<T>& value) {
    if (value)
        json.value(*value);
    else
        json.null();
}

} // namespace

std::string cpu_state(const Cpu& cpu) {
    if (cpu.enclave)
        return cat("enclave ", *cpu.enclave);
    return cpu.online ? "online" : "offline";
}

std::string topology_text(const Topology& topology) {
    std::ostringstream out;
    out << "NUMA nodes:\n";
    Table nodes({"NODE", "CPUS", "MEMORY", "FREE"});
    for (const NumaNode& node : topology.nodes) {
        std::string cpus = format_cpu_list(cpus_of_node(topology, node.id));
        nodes.add({std::to_string(node.id), cpus.empty() ? "-" : cpus, format_size(node.memory_total),
                   node.memory_free ? format_size(*node.memory_free) : "-"});
    }
    nodes.print(out, "  ");

    out << "\nCPUs:\n";
    Table cpus({"CPU", "NODE", "CORE", "STATE"});
    for (const Cpu& cpu : topology.cpus)
        cpus.add(
            {std::to_string(cpu.id), optional_number(cpu.node), optional_number(cpu.core), cpu_state(cpu)});
    cpus.print(out, "  ");

    out << "\nMemory blocks";
    if (topology.block_size == 0) {
        out << ": none (this kernel has no memory hot-plug)\n";
        return out.str();
    }
    out << " (block size " << format_size(topology.block_size) << "):\n";
    Table blocks({"BLOCK", "START", "NODE", "ZONE", "STATE", "OFFLINABLE"});
    for (const MemoryBlock& block : topology.blocks)
        blocks.add({cat("memory", block.index), hex(block.start), optional_number(block.node),
                    block.online ? to_string(block.zone) : "-", block_state(block),
                    to_string(offlinable(block))});
    blocks.print(out, "  ");
    return out.str();
}

std::string topology_json(const Topology& topology) {
    JsonWriter json;
    json.begin_object();
    json.key("nodes").begin_array();
    for (const NumaNode& node : topology.nodes) {
        json.begin_object();
        json.key("id").value(node.id);
        json.key("cpus").begin_array();
        for (unsigned id : cpus_of_node(topology, node.id))
            json.value(id);
        json.end_array();
        json.key("memory_total").value(node.memory_total);
        json.key("memory_free");
        optional_value(json, node.memory_free);
        json.end_object();
    }
    json.end_array();

    json.key("cpus").begin_array();
    for (const Cpu& cpu : topology.cpus) {
        json.begin_object();
        json.key("id").value(cpu.id);
        json.key("node");
        optional_value(json, cpu.node);
        json.key("core");
        optional_value(json, cpu.core);
        json.key("online").value(cpu.online);
        json.key("enclave");
        optional_value(json, cpu.enclave);
        json.key("state").value(cpu_state(cpu));
        json.end_object();
    }
    json.end_array();

    json.key("memory").begin_object();
    json.key("block_size").value(topology.block_size);
    json.key("blocks").begin_array();
    for (const MemoryBlock& block : topology.blocks) {
        json.begin_object();
        json.key("name").value(cat("memory", block.index));
        json.key("index").value(block.index);
        json.key("start").value(block.start);
        json.key("node");
        optional_value(json, block.node);
        json.key("zone");
        if (block.online)
            json.value(to_string(block.zone));
        else
            json.null();
        json.key("state").value(block.state);
        json.key("offlinable").value(to_string(offlinable(block)));
        json.key("enclave");
        optional_value(json, block.enclave);
        json.end_object();
    }
    json.end_array();
    json.end_object();
    json.end_object();
    return json.str() + "\n";
}

} // namespace cokernel

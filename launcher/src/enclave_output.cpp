#include "enclave_output.hpp"

#include "json.hpp"
#include "parse.hpp"
#include "table.hpp"
#include "text.hpp"

#include <sstream>

namespace cokernel {

std::string format_range(const MemRange& range) {
    return cat(hex(range.start), "-", hex(range.start + range.size - 1));
}

std::uint64_t total_size(const std::vector<MemRange>& ranges) {
    std::uint64_t total = 0;
    for (const MemRange& range : ranges)
        total += range.size;
    return total;
}

std::string format_memory(const std::vector<MemRange>& ranges) {
    std::vector<std::string> parts;
    for (const MemRange& range : ranges)
        parts.push_back(format_range(range));
    return cat(format_size(total_size(ranges)), ": ", join(parts, ", "));
}

std::string format_blocks(const std::vector<MemRange>& ranges, std::uint64_t block_size) {
    std::vector<std::string> parts;
    for (const MemRange& range : ranges) {
        if (block_size == 0)
            break;
        std::uint64_t first = range.start / block_size;
        std::uint64_t last = (range.start + range.size - 1) / block_size;
        parts.push_back(first == last ? cat("memory", first) : cat("memory", first, "-memory", last));
    }
    return join(parts, ", ");
}

std::string enclaves_text(const std::vector<EnclaveInfo>& enclaves) {
    if (enclaves.empty())
        return "no enclaves\n";
    std::ostringstream out;
    Table table({"ID", "STATE", "CPUS", "MEMORY", "JOB"});
    for (const EnclaveInfo& enclave : enclaves)
        table.add({std::to_string(enclave.id),
                   cat(cokernel_state_name(enclave.state), enclave.temporary() ? " (temporary)" : ""),
                   format_cpu_list(enclave.cpus), format_memory(enclave.ranges),
                   enclave.proxy_pid > 0 ? cat("cokernel run, pid ", enclave.proxy_pid) : "-"});
    table.print(out);
    return out.str();
}

std::string enclaves_json(const std::vector<EnclaveInfo>& enclaves) {
    JsonWriter json;
    json.begin_array();
    for (const EnclaveInfo& enclave : enclaves) {
        json.begin_object();
        json.key("id").value(enclave.id);
        json.key("state").value(cokernel_state_name(enclave.state));
        json.key("temporary").value(enclave.temporary());
        json.key("job_pid");
        if (enclave.proxy_pid > 0)
            json.value(enclave.proxy_pid);
        else
            json.null();
        json.key("cpus").begin_array();
        for (unsigned cpu : enclave.cpus)
            json.value(cpu);
        json.end_array();
        json.key("memory_total").value(total_size(enclave.ranges));
        json.key("ranges").begin_array();
        for (const MemRange& range : enclave.ranges) {
            json.begin_object();
            json.key("start").value(range.start);
            json.key("size").value(range.size);
            json.end_object();
        }
        json.end_array();
        json.end_object();
    }
    json.end_array();
    return json.str() + "\n";
}

} // namespace cokernel

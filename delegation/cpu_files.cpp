#include "cpu_files.hpp"

#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/mman.h>
#include <unistd.h>

namespace ck::deleg {

std::string cpu_list(uint32_t ncpus) {
    if (ncpus <= 1)
        return "0\n";
    return "0-" + std::to_string(ncpus - 1) + "\n";
}

namespace {

// The value part of "key\t: value" lines for the keys we rewrite, or nothing.
bool key_is(std::string_view line, std::string_view key) {
    if (line.substr(0, key.size()) != key)
        return false;
    const std::string_view rest = line.substr(key.size());
    const size_t colon = rest.find(':');
    return colon != rest.npos && rest.substr(0, colon).find_first_not_of(" \t") == rest.npos;
}

std::string with_value(std::string_view line, const std::string& value) {
    const size_t colon = line.find(':');
    return std::string(line.substr(0, colon + 1)) + " " + value;
}

} // namespace

std::string_view read_linux_cpuinfo() {
    static const std::string text = [] {
        std::ifstream in("/proc/cpuinfo");
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }();
    return text;
}

std::string enclave_cpuinfo(std::string_view linux_cpuinfo, uint32_t ncpus) {
    const size_t end = linux_cpuinfo.find("\n\n");
    const std::string_view block =
        linux_cpuinfo.substr(0, end == linux_cpuinfo.npos ? linux_cpuinfo.size() : end);
    std::string out;
    for (uint32_t cpu = 0; cpu < ncpus; ++cpu) {
        const std::string id = std::to_string(cpu);
        const std::string n = std::to_string(ncpus);
        size_t pos = 0;
        while (pos < block.size()) {
            size_t nl = block.find('\n', pos);
            if (nl == block.npos)
                nl = block.size();
            const std::string_view line = block.substr(pos, nl - pos);
            pos = nl + 1;
            if (key_is(line, "processor") || key_is(line, "core id") || key_is(line, "apicid") ||
                key_is(line, "initial apicid"))
                out += with_value(line, id);
            else if (key_is(line, "siblings") || key_is(line, "cpu cores"))
                out += with_value(line, n);
            else if (key_is(line, "physical id"))
                out += with_value(line, "0");
            else
                out += line;
            out += '\n';
        }
        out += '\n';
    }
    return out;
}

std::optional<std::string> cpu_file_content(std::string_view resolved_path, uint32_t ncpus,
                                            std::string_view (*linux_cpuinfo)()) {
    if (resolved_path == "/sys/devices/system/cpu/online" ||
        resolved_path == "/sys/devices/system/cpu/possible" ||
        resolved_path == "/sys/devices/system/cpu/present")
        return cpu_list(ncpus);
    if (resolved_path == "/proc/cpuinfo")
        return enclave_cpuinfo(linux_cpuinfo(), ncpus);
    return std::nullopt;
}

} // namespace ck::deleg

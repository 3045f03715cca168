#include "self_files.hpp"

#include "cpu_files.hpp"

#include <cokernel/job.h>

#include <cinttypes>
#include <cstdio>

namespace ck::deleg {

namespace {

bool is_number(std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

std::string comm_of(const JobContext& job) {
    if (!job.comm.empty()) {
        return job.comm;
    }
    const std::string_view exe = job.exe;
    return std::string(exe.substr(exe.rfind('/') + 1).substr(0, 15)); // TASK_COMM_LEN - 1
}

std::string joined(const std::vector<std::string>& strings) {
    std::string out;
    for (const std::string& s : strings) {
        out += s;
        out += '\0';
    }
    return out;
}

// Linux's hex mask of CPUs 0..n-1 in 32-bit groups, highest first ("3" for two CPUs, "ffffffff,ffffffff"
// for 64).
std::string cpu_mask(uint32_t ncpus) {
    std::string out;
    for (int group = static_cast<int>((ncpus + 31) / 32) - 1; group >= 0; --group) {
        const uint32_t bits = ncpus - static_cast<uint32_t>(group) * 32;
        const uint32_t word = bits >= 32 ? 0xffffffffu : (1u << bits) - 1;
        char buf[16];
        std::snprintf(buf, sizeof buf, out.empty() ? "%x" : ",%08x", word);
        out += buf;
    }
    return out.empty() ? "0" : out;
}

std::string status_text(std::string_view linux_text, const JobContext& job) {
    std::string out;
    size_t pos = 0;
    while (pos < linux_text.size()) {
        size_t nl = linux_text.find('\n', pos);
        if (nl == std::string_view::npos) {
            nl = linux_text.size();
        }
        const std::string_view line = linux_text.substr(pos, nl - pos);
        pos = nl + 1;
        if (line.substr(0, 5) == "Name:") {
            out += "Name:\t" + comm_of(job);
        } else if (line.substr(0, 13) == "Cpus_allowed:" && job.ncpus != 0) {
            out += "Cpus_allowed:\t" + cpu_mask(job.ncpus);
        } else if (line.substr(0, 18) == "Cpus_allowed_list:" && job.ncpus != 0) {
            std::string list = cpu_list(job.ncpus);
            list.pop_back(); // its newline
            out += "Cpus_allowed_list:\t" + list;
        } else {
            out += line;
        }
        out += '\n';
    }
    return out;
}

// "pid (comm) state ...": the comm may hold spaces and parentheses, so it ends at the last ')'.
std::optional<std::string> stat_text(std::string_view linux_text, const JobContext& job) {
    const size_t open = linux_text.find('(');
    const size_t close = linux_text.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
        return std::nullopt;
    }
    return std::string(linux_text.substr(0, open + 1)) + comm_of(job) + std::string(linux_text.substr(close));
}

std::string maps_text(const JobContext& job) {
    const uint64_t base = job.memory.base, end = job.memory.base + job.memory.size;
    const uint64_t stack = job.memory.size > COKERNEL_JOB_STACK_SIZE ? end - COKERNEL_JOB_STACK_SIZE : base;
    char buf[160];
    std::string out;
    if (stack > base) {
        std::snprintf(buf, sizeof buf, "%08" PRIx64 "-%08" PRIx64 " rwxp 00000000 00:00 0\n", base, stack);
        out += buf;
    }
    std::snprintf(buf, sizeof buf, "%08" PRIx64 "-%08" PRIx64 " rw-p 00000000 00:00 0%*s[stack]\n", stack,
                  end, 20, "");
    out += buf;
    return out;
}

} // namespace

std::string_view self_file_name(std::string_view path, int pid) {
    constexpr std::string_view proc = "/proc/";
    if (pid <= 0 || path.substr(0, proc.size()) != proc) {
        return {};
    }
    std::string_view rest = path.substr(proc.size());
    const std::string me = std::to_string(pid);
    if (rest.substr(0, me.size()) != me || rest.size() <= me.size() || rest[me.size()] != '/') {
        return {};
    }
    rest = rest.substr(me.size() + 1);
    if (rest.substr(0, 5) == "task/") { // task/<tid>/name: one of the proxy's threads
        const size_t slash = rest.find('/', 5);
        if (slash == std::string_view::npos || !is_number(rest.substr(5, slash - 5))) {
            return {};
        }
        rest = rest.substr(slash + 1);
    }
    for (std::string_view name : {"cmdline", "environ", "comm", "status", "stat", "maps"}) {
        if (rest == name) {
            return rest;
        }
    }
    return {};
}

std::optional<std::string> self_file_content(std::string_view name, const JobContext& job,
                                             std::string_view linux_text) {
    if (name == "cmdline") {
        return joined(job.argv);
    }
    if (name == "environ") {
        return joined(job.envp);
    }
    if (name == "comm") {
        return comm_of(job) + "\n";
    }
    if (name == "status") {
        return status_text(linux_text, job);
    }
    if (name == "stat") {
        return stat_text(linux_text, job);
    }
    if (name == "maps") {
        return maps_text(job);
    }
    return std::nullopt;
}

} // namespace ck::deleg

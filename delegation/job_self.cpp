#include "job_self.hpp"

#include <cerrno>
#include <cstring>
#include <string>

namespace ck::deleg {

bool is_self_exe_link(std::string_view path, int pid) {
    if (path == "/proc/self/exe" || path == "/proc/thread-self/exe") {
        return true;
    }
    return pid > 0 && path == "/proc/" + std::to_string(pid) + "/exe";
}

std::optional<int64_t> self_exe_readlink(const JobContext& job, uint64_t nr, const uint64_t (&args)[6]) {
    constexpr uint64_t NR_READLINK = 89, NR_READLINKAT = 267;
    const bool at = nr == NR_READLINKAT;
    if ((nr != NR_READLINK && !at) || job.exe.empty()) {
        return std::nullopt;
    }
    const uint64_t path = args[at ? 1 : 0], buf = args[at ? 2 : 1];
    const auto size = static_cast<int64_t>(args[at ? 3 : 2]);
    // An absolute path ignores readlinkat's descriptor, as Linux does; a NULL path is Linux's EFAULT.
    if (path == 0 ||
        !is_self_exe_link(reinterpret_cast<const char*>(static_cast<uintptr_t>(path)), job.self.pid)) {
        return std::nullopt;
    }
    if (size <= 0) {
        return -EINVAL;
    }
    const size_t n =
        job.exe.size() < static_cast<uint64_t>(size) ? job.exe.size() : static_cast<size_t>(size);
    if (!job.memory.contains(buf, n) || buf == 0) {
        return -EFAULT;
    }
    std::memcpy(reinterpret_cast<void*>(static_cast<uintptr_t>(buf)), job.exe.data(), n);
    return static_cast<int64_t>(n);
}

} // namespace ck::deleg

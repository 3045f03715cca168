#pragma once
// Checks on a descriptor a delegated call just created, before its number reaches the job: it must lie below
// fd_limit, and a file opened by path must be neither one of the proxy's reserved files (reached again
// through /proc/self/fd/N, /dev/fd/N, /dev/stdin-style links or the device node) nor an entry of the proxy's
// own procfs directory (/proc/self/mem, maps, fd/...; whichever path led there).
#include "job_memory.hpp"
#include "kernel.hpp"

#include <cstdint>
#include <string_view>

namespace ck::deleg {

enum class NewFd : uint8_t {
    none,      // the syscall returns no descriptor
    direct,    // it returns a new descriptor (socket, dup, eventfd...)
    from_path, // it opens a file by name (open, openat, openat2, creat)
};

NewFd new_fd_kind(uint64_t nr, const uint64_t (&args)[6]);

// 0, or -errno after closing fd: -EMFILE (fd >= fd_limit: the proxy's RLIMIT_NOFILE prevents it), -EACCES
// (a reserved file, the proxy's procfs directory, or a file the proxy cannot identify).
int64_t check_new_fd(const JobContext& job, Kernel& kernel, NewFd kind, int fd);

namespace detail {
inline bool all_digits(std::string_view s) {
    if (s.empty() || s.size() > 9) {
        return false;
    }
    for (char c : s) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}
inline int to_int(std::string_view s) {
    int v = 0;
    for (char c : s) {
        v = v * 10 + (c - '0');
    }
    return v;
}
} // namespace detail

// Whether path (a procfs file as /proc/self/fd/N names it, e.g. "/proc/1234/task/1234/mem") lies in the
// proxy's own procfs directory: a component that is one of its tids (own_task(int)), or "self" /
// "thread-self" (the links themselves, opened with O_PATH | O_NOFOLLOW). The network view below it
// (/proc/<pid>[/task/<tid>]/net/..., where /proc/net leads) names nothing of the proxy's and stays open.
template <class OwnTask>
bool names_proxy_proc(std::string_view path, OwnTask&& own_task) {
    enum class At : uint8_t { outside, pid_dir, task_dir, tid_dir };
    At at = At::outside;
    size_t pos = 0;
    while (pos < path.size()) {
        const size_t slash = path.find('/', pos);
        const std::string_view c = path.substr(pos, slash == path.npos ? path.npos : slash - pos);
        pos = slash == path.npos ? path.size() : slash + 1;
        if (c.empty()) {
            continue;
        }
        switch (at) {
        case At::outside:
            if (c == "self" || c == "thread-self") {
                return true;
            }
            if (detail::all_digits(c) && own_task(detail::to_int(c))) {
                at = At::pid_dir;
            }
            break;
        case At::pid_dir:
        case At::tid_dir:
            if (c == "net") {
                return false;
            }
            if (at == At::pid_dir && c == "task") {
                at = At::task_dir;
                break;
            }
            return true;
        case At::task_dir:
            at = At::tid_dir;
            break;
        }
    }
    return at != At::outside; // the directory itself
}

} // namespace ck::deleg

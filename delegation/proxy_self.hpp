#pragma once
// What the proxy knows about itself so that a job cannot reach it: its pid, and the identities of its
// reserved descriptors (those at or above JobContext::fd_limit: the root-opened /dev/cokernel). The proxy
// gathers them once it has set them up (launcher/src/job_proxy.cpp); the executor compares
// every file the job opens by path with them (opened_file.hpp).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace ck::deleg {

// A file as fstat(2) names it. Device nodes also match by device number, so that a second node made for the
// same device (mknod) is the same file.
struct FileIdentity {
    uint64_t dev = 0;
    uint64_t ino = 0;
    uint64_t rdev = 0;
    uint32_t mode = 0; // st_mode: the type bits matter
};

bool same_file(const FileIdentity& a, const FileIdentity& b);

inline constexpr size_t max_reserved_fds = 8;

struct ProxySelf {
    int pid = 0; // 0: unknown (then only the calling thread and /proc/self/task count as the proxy)
    std::array<FileIdentity, max_reserved_fds> reserved{};
    size_t reserved_count = 0;

    bool is_reserved(const FileIdentity& f) const;
};

// The proxy's pid and the identities of its open descriptors >= fd_limit, from /proc/self/fd.
// std::nullopt: /proc/self/fd cannot be read, or more than max_reserved_fds are open there.
std::optional<ProxySelf> gather_proxy_self(int fd_limit);

// Lowers RLIMIT_NOFILE (soft and hard) to at most fd_limit, so that no descriptor the job creates, receives
// or duplicates can land at or above fd_limit: the job gets EMFILE as under `ulimit -n fd_limit`. Call it
// after the reserved descriptors exist. Returns "" or the error.
std::string limit_descriptors(int fd_limit);

} // namespace ck::deleg

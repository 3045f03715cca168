#pragma once
// Decode step of a delegated syscall (seL4 style: decode may fail, invoke cannot): checks every argument of
// a request against the table's argument kinds and the job's memory, and builds the arguments the proxy
// passes to the kernel. Whatever the kernel would read from job memory more than once, whose size comes
// from job memory (strings, iovec arrays, msghdr, socklen), or whose contents the proxy checks (control
// messages, pollfds, rlimits, ifconf, socket filters), is copied into proxy-private scratch first,
// so the job cannot change it between the check and the use.
#include "job_memory.hpp"
#include "syscall_table.hpp"

#include <cokernel/delegation.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <linux/filter.h>
#include <net/if.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>

namespace ck::deleg {

inline constexpr size_t max_string = 4096;   // PATH_MAX, with the NUL
inline constexpr size_t max_iov = 1024;      // IOV_MAX
inline constexpr size_t max_control = 65536; // sendmsg control bytes (more: -ENOBUFS)
inline constexpr size_t max_pollfds = 4096;  // struct pollfd entries (more: -EINVAL)
inline constexpr size_t max_writebacks = 3;

struct Scratch {
    std::array<std::array<char, max_string>, COKERNEL_DELEG_NARGS> strings{};
    std::array<iovec, max_iov> iov{};
    msghdr msg{};
    socklen_t socklen = 0;
    alignas(cmsghdr) std::array<uint8_t, max_control> control{};
    std::array<pollfd, max_pollfds> pollfds{};
    ifconf ifc{};
    rlimit rlim{};
    sock_fprog fprog{};
    int optint = 0;
};

// A private copy to store back into job memory after the syscall succeeded: count pieces of len bytes,
// stride bytes apart (one piece: count 1).
struct Writeback {
    uint64_t job_addr = 0;
    const void* from = nullptr;
    size_t len = 0;
    size_t count = 1;
    size_t stride = 0;
};

struct Prepared {
    uint64_t args[COKERNEL_DELEG_NARGS] = {};
    std::array<Writeback, max_writebacks> writeback{};
    size_t writebacks = 0;
    // The error prepare() returned is a refusal (the request was well formed but names what the job may not
    // reach: a proxy descriptor, an ioctl not on the list...): Path::refused in the statistics.
    bool refused = false;
};

// Writebacks an argument kind can add (the ioctl kind: SIOCGIFCONF's ifc_len).
constexpr size_t writebacks_of(ArgKind k) {
    switch (k) {
    case ArgKind::msg_out:
        return 3; // msg_namelen, msg_controllen, msg_flags
    case ArgKind::sockaddr:
    case ArgKind::optval_out:
    case ArgKind::pollfds:
    case ArgKind::ioctl_arg:
        return 1;
    default:
        return 0;
    }
}

constexpr bool writebacks_fit() {
    for (const SyscallInfo& s : syscall_table) {
        size_t n = 0;
        for (const ArgSpec& a : s.args) {
            n += writebacks_of(a.kind);
        }
        if (n > max_writebacks) {
            return false;
        }
    }
    return true;
}
static_assert(writebacks_fit(), "syscalls.def: a syscall needs more writebacks than Prepared holds");

// 0 and *out filled, or -errno: -EFAULT (a pointer or range outside the job's memory, or a string without NUL
// inside it), -ENAMETOOLONG (string longer than max_string), -EINVAL (an iovec count over max_iov, request
// flags, malformed control messages, a bad sigmask size, select's nfds < 0), -EBADF (a proxy file
// descriptor named or sent), -ENOTTY (an ioctl not on the list), -EPERM (an fcntl command whose argument
// cannot be checked, RLIMIT_NOFILE above fd_limit, socket options with unchecked nested pointers), -ESRCH
// (another process named where only the job itself may be), -EAFNOSUPPORT (a socket family with nested
// pointers).
int64_t prepare(const SyscallInfo& s, const cokernel_deleg_request& req, const JobContext& job,
                Scratch& scratch, Prepared& out);

} // namespace ck::deleg

#pragma once
// Decode step of a delegated syscall (seL4 style: decode may fail, invoke cannot): checks every argument of
// a request against the table's argument kinds and the job's memory, and builds the arguments the proxy
// passes to the kernel. Whatever the kernel would read from job memory more than once, or whose size comes
// from job memory (strings, iovec arrays, msghdr, socklen), is copied into proxy-private scratch first, so
// the job cannot change it between the check and the use.
#include "job_memory.hpp"
#include "syscall_table.hpp"

#include <cokernel/delegation.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <sys/socket.h>
#include <sys/uio.h>

namespace ck::deleg {

inline constexpr size_t max_string = 4096; // PATH_MAX, with the NUL
inline constexpr size_t max_iov = 1024;    // IOV_MAX

struct Scratch {
    std::array<std::array<char, max_string>, COKERNEL_DELEG_NARGS> strings{};
    std::array<iovec, max_iov> iov{};
    msghdr msg{};
    socklen_t socklen = 0;
};

// A private copy to store back into job memory after the syscall succeeded.
struct Writeback {
    uint64_t job_addr = 0;
    const void* from = nullptr;
    size_t len = 0;
};

struct Prepared {
    uint64_t args[COKERNEL_DELEG_NARGS] = {};
    std::array<Writeback, 3> writeback{};
    size_t writebacks = 0;
};

// 0 and *out filled, or -errno: -EFAULT (a pointer or range outside the job's memory, or a string without NUL
// inside it), -ENAMETOOLONG (string longer than max_string), -EINVAL (an iovec count over max_iov, request
// flags), -EBADF (a proxy file descriptor), -EPERM (an ioctl/fcntl command whose argument cannot be checked).
int64_t prepare(const SyscallInfo& s, const cokernel_deleg_request& req, const JobContext& job,
                Scratch& scratch, Prepared& out);

} // namespace ck::deleg

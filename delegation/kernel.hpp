#pragma once
// What the executor asks of Linux: the delegated syscall itself, and the questions it asks about a descriptor
// the job just got. linux_kernel() is the real one (syscall(2)); the fuzzer (tests/fuzz/fuzz_deleg.cpp) plugs
// in a fake that checks every pointer it is handed.
#include "proxy_self.hpp"

#include <cstddef>
#include <cstdint>

namespace ck::deleg {

class Kernel {
  public:
    virtual ~Kernel() = default;
    // The syscall with the prepared arguments: its value, or -errno.
    virtual int64_t call(uint64_t nr, const uint64_t (&args)[6]) = 0;
    // fstat(fd): 0 and *id, or -errno.
    virtual int identify(int fd, FileIdentity& id) = 0;
    // fstatfs(fd).f_type, or -errno.
    virtual int64_t fs_type(int fd) = 0;
    // readlink("/proc/self/fd/<fd>") into buf (no NUL): its length, or -errno.
    virtual int64_t fd_path(int fd, char* buf, size_t size) = 0;
    // Whether tid is a thread of this process (the proxy).
    virtual bool own_task(int tid) = 0;
    virtual void close(int fd) = 0;
};

Kernel& linux_kernel();

} // namespace ck::deleg

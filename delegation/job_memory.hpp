#pragma once
// The job's memory as the proxy sees it: one region [base, base + size) mapped at the same virtual addresses
// as in the job. Every pointer a delegated syscall passes must lie inside it.
#include "proxy_self.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ck::deleg {

struct JobMemory {
    uint64_t base = 0;
    uint64_t size = 0;

    // [p, p + n) inside the region. NULL and n == 0 pass: the kernel fails NULL with -EFAULT itself (page 0
    // is never mapped: vm.mmap_min_addr) and touches nothing for an empty range.
    bool contains(uint64_t p, uint64_t n) const {
        if (p == 0 || n == 0) {
            return true;
        }
        return p >= base && p - base <= size && n <= size - (p - base);
    }
    // Bytes from p to the end of the region (0 if p is outside).
    uint64_t room(uint64_t p) const { return p >= base && p - base < size ? size - (p - base) : 0; }
};

// What the proxy checks a request against.
struct JobContext {
    JobMemory memory;
    // File descriptors >= fd_limit belong to the proxy itself (its device file): a job may not
    // name them (-EBADF), send them, or open them again. The proxy keeps its own descriptors above this limit
    // and lowers RLIMIT_NOFILE to it (limit_descriptors), so that nothing of the job's lands there.
    int fd_limit = 1 << 16;
    // The proxy's pid and reserved descriptors, for the checks on files the job opens.
    ProxySelf self;
    // The enclave's CPUs: opens of the CPU files read about them (cpu_files.hpp); 0: Linux's files as they
    // are.
    uint32_t ncpus = 0;
    // The job's program, an absolute path: what readlink("/proc/self/exe") answers (job_self.hpp); empty:
    // Linux's answer (the proxy's own).
    std::string exe;
    // What the job's own /proc files say (self_files.hpp): its arguments, environment and comm (the base
    // name of the program as execve got it, 15 bytes at most); empty: Linux's files as they are.
    std::vector<std::string> argv, envp;
    std::string comm;
};

} // namespace ck::deleg

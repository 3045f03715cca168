#pragma once
// Files a job opens that must describe the job and its enclave, not the proxy and Linux: the CPU files
// (cpu_files.hpp) and the job's own /proc files (self_files.hpp). The proxy opens them on Linux as usual
// and then swaps the descriptor for an in-memory file with the job's content.
#include "job_memory.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace ck::deleg {

// After a delegated open returned fd: when it is such a file opened read-only, fd becomes a sealed
// in-memory file with the job's content at offset 0 (same number, same close-on-exec flag). Returns 0, or
// -errno after closing fd when the replacement failed (-EACCES: one of the job's own files with no content
// for it, which the proxy's would otherwise show).
int64_t replace_job_file(int fd, const JobContext& job);

// open (2) or openat (257), with its checked arguments, of one of the job's own /proc files that needs
// nothing of Linux's (cmdline, environ, comm, maps) by an absolute path (/proc/self/, /proc/thread-self/,
// /proc/<the job's pid>/[task/<tid>/]), read-only with no other flags but O_CLOEXEC, O_NOCTTY, O_NOFOLLOW,
// O_NONBLOCK and O_LARGEFILE: the new descriptor of an in-memory file with the job's content, opened without
// touching the proxy's file (which Linux refuses a proxy that is not dumpable, one that changed its user).
// Nothing for any other call, which goes to Linux (and to replace_job_file after it).
std::optional<int64_t> open_own_file(const JobContext& job, uint64_t nr, const uint64_t (&args)[6]);

} // namespace ck::deleg

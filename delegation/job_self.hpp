#pragma once
// What the job sees of itself where Linux would show the proxy (docs/delegation.md, "The job's own files"):
// readlink of /proc/self/exe (also /proc/thread-self/exe and /proc/<the job's pid>/exe, absolute paths) names
// the job's program, not /usr/bin/cokernel. glibc's ld.so reads it for $ORIGIN in a library search path.
#include "job_memory.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace ck::deleg {

// True when path names the job's own executable link.
bool is_self_exe_link(std::string_view path, int pid);

// For readlink (89) and readlinkat (267) with their checked arguments (args as the kernel would get them):
// the answer when the link is the job's /proc/self/exe and the proxy knows the program (job.exe not empty),
// written into the job's buffer as readlink does (no NUL, truncated to the buffer's size); nothing when the
// call is another one and goes to Linux as it is.
std::optional<int64_t> self_exe_readlink(const JobContext& job, uint64_t nr, const uint64_t (&args)[6]);

} // namespace ck::deleg

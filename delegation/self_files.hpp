#pragma once
// The job's own /proc files (docs/delegation.md, "The job's own files"): /proc/self is the proxy's, so a job
// that opens /proc/self/{cmdline,environ,comm,status,stat,maps} (also through /proc/thread-self and
// /proc/<the job's pid>) would read about /usr/bin/cokernel. The proxy replaces such a descriptor, right
// after the open, by an in-memory file about the job (job_files.hpp does the replacing).
#include "job_memory.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace ck::deleg {

// The file name under /proc/<pid>/ or /proc/<pid>/task/<tid>/ when resolved_path (as /proc/self/fd/N names
// an opened file) is one of the job's own files there, else empty.
std::string_view self_file_name(std::string_view resolved_path, int pid);

// What the job reads from its own file `name` (self_file_name's), given Linux's text of the proxy's file
// (status and stat are the proxy's, rewritten: the job's name, its CPUs); nothing for a file left as it is.
// - cmdline, environ: the job's argv and envp, each string NUL-terminated
// - comm: the program's base name, 15 bytes at most, and a newline
// - status: Name the job's comm, Cpus_allowed / Cpus_allowed_list the enclave's CPUs 0..n-1
// - stat: the second field the job's comm
// - maps: the job's memory as two anonymous mappings, the stack at its top (COKERNEL_JOB_STACK_SIZE) and
//   the rest below: what glibc's pthread_getattr_np looks for (the mapping that holds the stack's top)
std::optional<std::string> self_file_content(std::string_view name, const JobContext& job,
                                             std::string_view linux_text);

} // namespace ck::deleg

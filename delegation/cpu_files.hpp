#pragma once
// The enclave's CPUs as files (docs/delegation.md, "The CPUs the job sees"): a job that opens
// /sys/devices/system/cpu/{online,possible,present} or /proc/cpuinfo reads about the enclave's CPUs 0..n-1,
// not Linux's (glibc's get_nprocs, and so sysconf(_SC_NPROCESSORS_ONLN), reads the first). The proxy
// replaces such a descriptor, right after the open, by an in-memory file with that content (job_files.hpp).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ck::deleg {

// "0\n" for one CPU, "0-N\n" for N + 1 (Linux's cpulist format).
std::string cpu_list(uint32_t ncpus);
// Linux's /proc/cpuinfo text reduced to its first processor's block, repeated for CPUs 0..ncpus-1 with
// processor, core id, apicid, initial apicid, siblings and cpu cores rewritten (one core per CPU, one
// package).
std::string enclave_cpuinfo(std::string_view linux_cpuinfo, uint32_t ncpus);
// What the job reads from the file at resolved_path (a path as /proc/self/fd/N names it), or nothing when
// it is not one of the CPU files. linux_cpuinfo is read only for /proc/cpuinfo.
std::optional<std::string> cpu_file_content(std::string_view resolved_path, uint32_t ncpus,
                                            std::string_view (*linux_cpuinfo)());

// Linux's /proc/cpuinfo, read once.
std::string_view read_linux_cpuinfo();

} // namespace ck::deleg

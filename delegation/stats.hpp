#pragma once
// Per-syscall statistics of one job: how often each syscall ran, how long it took, and which way it went.
// The table they print is what a user reads to decide which syscall to make native next.
#include "syscall_table.hpp"

#include <array>
#include <cstdint>
#include <string>

namespace ck::deleg {

enum class Path : uint8_t {
    native,    // handled by the co-kernel
    delegated, // executed by the proxy (whatever the syscall itself returned)
    rejected,  // malformed: unknown number, a native one, bad flags, a pointer or length outside job memory
    refused,   // well formed, but not allowed: denied by policy, an ioctl not on the list, a proxy descriptor
               // named or sent, a reserved file or the proxy's /proc entry opened, RLIMIT_NOFILE raised...
};
inline constexpr size_t path_count = 4;

struct StatCell {
    uint64_t count = 0;
    uint64_t total_ns = 0;
};

class SyscallStats {
  public:
    // nr beyond the table's range is counted under one "other" row.
    void record(uint64_t nr, Path path, uint64_t ns);
    StatCell cell(uint64_t nr, Path path) const;
    uint64_t total_count() const;
    // Adds other's counts and times to these (the statistics of several proxy threads, one table).
    void merge(const SyscallStats& other);

    // One row per (syscall, path) that ran, sorted by total time, longest first:
    //   syscall  path  count  total_ms  mean_us  %time
    std::string format_table() const;

  private:
    std::array<std::array<StatCell, path_count>, syscall_nr_limit + 1> cells_{};
};

const char* path_name(Path p);

} // namespace ck::deleg

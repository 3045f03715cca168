#pragma once
// Per-job syscall policy: the table's defaults plus the user's --delegate=NAME,... and --deny=NAME,...
#include "syscall_table.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ck::deleg {

class PolicySet {
  public:
    PolicySet();

    // The policy of syscall nr for this job; nullptr-safe: unknown numbers are Policy::denied here, but the
    // proxy answers them -ENOSYS before it asks (see docs/delegation.md).
    Policy effective(uint64_t nr) const;

    // Apply a comma-separated list of syscall names. Return "" on success, else the error line for the user;
    // on error nothing is changed. A name may not be given to both options.
    [[nodiscard]] std::string delegate(std::string_view names);
    [[nodiscard]] std::string deny(std::string_view names);

  private:
    [[nodiscard]] std::string apply(std::string_view names, Policy to, std::string_view option);

    std::array<Policy, syscall_nr_limit> policy_{};
    std::array<uint8_t, syscall_nr_limit> overridden_{}; // 0, or 1 + the Policy an option set
};

} // namespace ck::deleg

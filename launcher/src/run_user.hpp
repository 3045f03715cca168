// Whose credentials a job runs with (docs/run.md, "Privileges"). `cokernel run` needs root for the enclave
// device; the job's delegated syscalls must run as the user who asked for the job, so that it gets EACCES
// where that user would on Linux. The proxy reads the program as that user, does the privileged set-up as
// root, then drops to the user for good before the job's first syscall.
#pragma once
#include "result.hpp"

#include <string>
#include <sys/types.h>
#include <vector>

namespace cokernel {

struct RunUser {
    bool drop = false; // false: keep the credentials we have (root, asked for by root)
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups; // supplementary groups
    std::string source;        // "--user", "SUDO_UID", "the real user id (setuid)"
};

// Whom to run as: --user USER|UID[:GID] (root only); else SUDO_UID/SUDO_GID when root came through sudo;
// else the real user id when the launcher runs setuid-root; else nobody else (root stays root).
Result<RunUser> resolve_run_user(const std::string& option);

// Acts as the user (effective ids and groups) for file access checks until destroyed; then root again.
// Needs a saved set-user-ID of 0. Does nothing when !user.drop.
class ActingAs {
  public:
    explicit ActingAs(const RunUser& user);
    ActingAs(const ActingAs&) = delete;
    ActingAs& operator=(const ActingAs&) = delete;
    ~ActingAs();
    // Empty when switching worked, else why not.
    const std::string& error() const { return error_; }

  private:
    bool switched_ = false;
    gid_t egid_ = 0;
    std::vector<gid_t> groups_;
    std::string error_;
};

// For good: groups, then real/effective/saved group ids, then user ids; then checks that root cannot be
// regained. Does nothing when !user.drop.
Status drop_privileges(const RunUser& user);

} // namespace cokernel

// Holds off Ctrl-C and friends while the system is half changed, so a
// rollback can always finish. Pending signals arrive when the guard ends.
#pragma once

#include <csignal>

namespace cokernel {

class SignalGuard {
  public:
    SignalGuard() {
        sigset_t block;
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGHUP);
        sigaddset(&block, SIGQUIT);
        sigprocmask(SIG_BLOCK, &block, &saved_);
    }
    SignalGuard(const SignalGuard&) = delete;
    SignalGuard& operator=(const SignalGuard&) = delete;
    ~SignalGuard() { sigprocmask(SIG_SETMASK, &saved_, nullptr); }

  private:
    sigset_t saved_{};
};

} // namespace cokernel

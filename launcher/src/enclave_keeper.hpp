// The part of `cokernel run` that stays root for a temporary enclave (docs/run.md, "Privileges"). The module
// destroys the enclave when the proxy's device file goes away (CPUs back, memory released), but memory blocks
// go back online only through sysfs, which needs root, and the proxy has dropped to the user by then. So,
// before the drop, a small child forks off and keeps root; it waits until the proxy is gone (its pipe reaches
// end of file, also after kill -9), then until the module has destroyed the enclave (or destroys it itself
// after 10 s), then onlines the enclave's memory blocks. It ignores the terminal's signals and holds no
// descriptor of the device while it waits.
#pragma once
#include "module_client.hpp"
#include "result.hpp"

#include <sys/types.h>

namespace cokernel {

class EnclaveKeeper {
  public:
    // Forks the keeper of enclave id (root; before the job's device file is opened).
    static Result<EnclaveKeeper> start(int id);
    EnclaveKeeper(EnclaveKeeper&& other) noexcept;
    EnclaveKeeper& operator=(EnclaveKeeper&&) = delete;
    EnclaveKeeper(const EnclaveKeeper&) = delete;
    EnclaveKeeper& operator=(const EnclaveKeeper&) = delete;
    ~EnclaveKeeper(); // lets the keeper go on alone (as after kill -9)

    // The enclave was destroyed and its memory onlined here: the keeper has nothing to do.
    void done_here();
    // The proxy is done: waits for the keeper to give everything back. False when it could not (it said why).
    bool finish();

  private:
    EnclaveKeeper(pid_t pid, int fd) : pid_(pid), fd_(fd) {}
    pid_t pid_ = -1;
    int fd_ = -1; // write end of the pipe the keeper reads
};

} // namespace cokernel

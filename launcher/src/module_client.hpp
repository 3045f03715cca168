// The launcher's side of /dev/cokernel: one method per ioctl, every structure
// stamped with the signature, revision and size from <cokernel/abi.h>.
#pragma once

#include "result.hpp"

#include <cokernel/abi.h>
#include <cokernel/boot.h>
#include <cstdint>
#include <string>
#include <vector>

namespace cokernel {

struct MemRange {
    std::uint64_t start = 0;
    std::uint64_t size = 0;
    friend bool operator==(const MemRange&, const MemRange&) = default;
};

struct EnclaveInfo {
    int id = 0;
    std::uint32_t state = 0;
    std::uint32_t flags = 0; // COKERNEL_INFO_*
    int proxy_pid = 0;       // the attached `cokernel run`, or 0
    unsigned job_maps = 0;   // its mappings of the job memory (they keep DESTROY from running)
    std::vector<unsigned> cpus;
    std::vector<MemRange> ranges;
    bool temporary() const { return (flags & COKERNEL_INFO_TEMPORARY) != 0; }
};

// What CREATE asks for: CPUs, and mem_size bytes taken from the candidates in order (0: all of them).
struct CreateCall {
    std::vector<unsigned> cpus;
    std::vector<MemRange> candidates;
    std::uint64_t mem_size = 0;
    std::uint32_t flags = 0; // COKERNEL_CREATE_*
};

class ModuleClient {
  public:
    // Opens the device and checks the ABI revision with COKERNEL_IOC_VERSION. With min_fd, the descriptor
    // is moved to min_fd or above (the proxy keeps its own descriptors out of the job's range).
    static Result<ModuleClient> open(const std::string& device = COKERNEL_DEVICE, int min_fd = 0);

    ModuleClient(ModuleClient&& other) noexcept;
    ModuleClient& operator=(ModuleClient&&) = delete;
    ModuleClient(const ModuleClient&) = delete;
    ModuleClient& operator=(const ModuleClient&) = delete;
    ~ModuleClient();

    const cokernel_version& version() const { return version_; }

    // Each returns 0 or the errno of the ioctl, so callers can phrase the error for their command.
    // On success: the new enclave's id and the memory ranges it took.
    int create(const CreateCall& call, int& id, std::vector<MemRange>& taken);
    int destroy(int id);
    int keep(int id); // a temporary enclave of this client becomes permanent
    int list(std::vector<int>& ids);
    int info(int id, EnclaveInfo& out);
    // The boot step (docs/boot-protocol.md).
    int boot(int id, const std::vector<char>& image, const std::string& cmdline);
    // Console bytes from pos on; advances pos, adds to lost what was overwritten before it could be read.
    int console(int id, std::uint64_t& pos, std::string& out, std::uint64_t& lost, std::uint32_t& state);
    int command(int id, std::uint32_t cmd, std::uint64_t arg, std::uint64_t& latency_ns,
                std::int32_t& result);
    // The job path (docs/run.md): attach as the proxy, ring the doorbell, wait for a notification, seal,
    // signal.
    int job_attach(int id, std::uint32_t flags, std::uint64_t& region_size, std::uint64_t& ctl_offset);
    int job_start();
    int job_wait(std::uint32_t timeout_us, std::uint64_t& count); // EINTR is returned, not retried
    int job_seal();
    int job_signal(int sig); // a signal 1..64 for the running job (COKERNEL_IOC_JOB_SIGNAL)
    int fd() const { return fd_; }

  private:
    explicit ModuleClient(int fd) : fd_(fd) {}
    int fd_ = -1;
    cokernel_version version_{};
};

// All enclaves with their details; used by topo, list and destroy --all.
Result<std::vector<EnclaveInfo>> list_enclaves(ModuleClient& client);

// COKERNEL_IOC_JOB_WAIT on a proxy's device file by its number (ModuleClient::job_wait; the proxy's server
// threads, which may outlive the ModuleClient object while the process exits): sleeps until the notification
// count differs from count or timeout_us passed; count becomes the current one. 0, or an errno (EINTR).
int job_wait_on(int fd, std::uint32_t timeout_us, std::uint64_t& count);

} // namespace cokernel

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
    std::vector<unsigned> cpus;
    std::vector<MemRange> ranges;
};

class ModuleClient {
  public:
    // Opens the device and checks the ABI revision with COKERNEL_IOC_VERSION.
    static Result<ModuleClient> open(const std::string& device = COKERNEL_DEVICE);

    ModuleClient(ModuleClient&& other) noexcept;
    ModuleClient& operator=(ModuleClient&&) = delete;
    ModuleClient(const ModuleClient&) = delete;
    ModuleClient& operator=(const ModuleClient&) = delete;
    ~ModuleClient();

    const cokernel_version& version() const { return version_; }

    // Each returns 0 or the errno of the ioctl, so callers can phrase the error for their command.
    int create(const std::vector<unsigned>& cpus, const std::vector<MemRange>& ranges, std::uint32_t flags,
               int& id);
    int destroy(int id);
    int list(std::vector<int>& ids);
    int info(int id, EnclaveInfo& out);
    // The boot step (docs/boot-protocol.md).
    int boot(int id, const std::vector<char>& image, const std::string& cmdline);
    // Console bytes from pos on; advances pos, adds to lost what was overwritten before it could be read.
    int console(int id, std::uint64_t& pos, std::string& out, std::uint64_t& lost, std::uint32_t& state);
    int command(int id, std::uint32_t cmd, std::uint64_t arg, std::uint64_t& latency_ns,
                std::int32_t& result);

  private:
    explicit ModuleClient(int fd) : fd_(fd) {}
    int fd_ = -1;
    cokernel_version version_{};
};

// All enclaves with their details; used by topo, list and destroy --all.
Result<std::vector<EnclaveInfo>> list_enclaves(ModuleClient& client);

} // namespace cokernel

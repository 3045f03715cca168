// Creating an enclave, for `cokernel create` and for `cokernel run`'s temporary enclave: plan (pure), one
// CREATE (the module takes the CPUs and the memory blocks offline itself), BOOT. The enclave is created
// temporary: it belongs to the client's open device file, so if this process dies anywhere on the way
// (Ctrl-C, kill -9) the module destroys it and onlines everything. `cokernel create` makes it permanent
// with KEEP once it is up; `cokernel run` never does.
#pragma once

#include "module_client.hpp"
#include "planner.hpp"
#include "result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace cokernel {

struct CreateOptions {
    CreateRequest request;
    bool boot = true;
    std::vector<char> image; // the co-kernel ELF, when booting
    std::string cmdline;
};

struct CreatedEnclave {
    int id = -1;
    Plan plan;
    std::vector<MemRange> ranges; // what the module took
    std::uint64_t block_size = 0;
};

Result<CreatedEnclave> create_enclave(ModuleClient& client, const CreateOptions& options);

// The co-kernel image at path (the default one when path is empty).
Result<std::vector<char>> read_image(const std::string& path);

} // namespace cokernel

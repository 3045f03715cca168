#include "enclave_create.hpp"

#include "live_topology.hpp"
#include "parse.hpp"
#include "sysfs.hpp"
#include "text.hpp"

#include <cerrno>
#include <fstream>
#include <iostream>
#include <iterator>

namespace cokernel {
namespace {

std::string create_error(int err, const Plan& plan) {
    const std::string cpus = format_cpu_list(plan.cpus);
    switch (err) {
    case EPERM:
        return "the module refused: not permitted (needs CAP_SYS_ADMIN; CPU 0 stays with Linux)";
    case ENODEV:
        return cat("the module says a CPU of ", cpus, " does not exist");
    case EBUSY:
        return cat("CPUs ", cpus, " or the memory of NUMA node ", plan.memory_node,
                   " are busy: already in an enclave, or not enough memory blocks would go offline "
                   "('dmesg | tail' names the blocks that refused; 'cokernel topo' shows what is free)");
    case E2BIG:
        return cat("the memory that could be taken from node ", plan.memory_node, " lies in more than ",
                   COKERNEL_MAX_MEM_RANGES, " pieces; ask for less memory");
    case ENOSPC:
        return cat("the module's enclave table is full (", COKERNEL_MAX_ENCLAVES,
                   " enclaves); destroy one with 'cokernel destroy ID'");
    case EINTR:
        return "interrupted; everything was given back";
    case EINVAL:
        return "the module rejected the request as invalid; 'dmesg | tail -n1' says why "
               "(a module and a cokernel command from different builds?)";
    default:
        return cat("the module could not create the enclave: ", errno_text(err), "; 'dmesg | tail' says why");
    }
}

std::string boot_error(int err, int id) {
    switch (err) {
    case ENOEXEC:
        return "the module rejected the co-kernel image (not a co-kernel ELF, or from another build); "
               "'dmesg | tail' says why";
    case ETIMEDOUT:
        return cat("the co-kernel of enclave ", id,
                   " did not come up in time; 'dmesg | tail' says where it stopped");
    case EOPNOTSUPP:
        return "the module cannot start CPUs on this kernel; 'dmesg | tail' says why (module parameter "
               "trampoline_phys)";
    case EINTR:
        return "interrupted while the co-kernel was booting; everything was given back";
    case E2BIG:
        return "--cmdline is longer than 255 bytes";
    default:
        return cat("the module could not boot enclave ", id, ": ", errno_text(err),
                   "; 'dmesg | tail' says why");
    }
}

// After a failed boot: show what the co-kernel said, and give the enclave back now (not only when our
// device file closes) so that what did not go back can be reported.
std::string undo_boot(ModuleClient& client, int id) {
    std::uint64_t pos = 0;
    std::uint64_t lost = 0;
    std::uint32_t state = 0;
    std::string console;
    if (client.console(id, pos, console, lost, state) == 0 && !console.empty())
        std::cerr << "cokernel: console of enclave " << id << ":\n" << console;
    const int err = client.destroy(id);
    if (err == 0 || err == ENOENT)
        return "";
    return cat(" (warning: enclave ", id, " could not be given back completely: ", errno_text(err),
               "; 'cokernel list' shows what is left, 'cokernel destroy ", id, "' retries)");
}

} // namespace

Result<std::vector<char>> read_image(const std::string& path_in) {
    const std::string path = path_in.empty() ? COKERNEL_DEFAULT_IMAGE : path_in;
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return fail(cat("cannot read the co-kernel image ", path, ": ", errno_text(errno),
                        " (give one with --image PATH)"));
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.empty())
        return fail(cat("the co-kernel image ", path, " is empty"));
    return bytes;
}

Result<CreatedEnclave> create_enclave(ModuleClient& client, const CreateOptions& options) {
    auto enclaves = list_enclaves(client);
    if (!enclaves)
        return enclaves.error();
    auto topology = load_live_topology(default_sysfs_root, *enclaves);
    if (!topology)
        return topology.error();
    auto plan = plan_enclave(*topology, options.request);
    if (!plan)
        return plan.error();

    CreatedEnclave out;
    out.plan = *plan;
    out.block_size = topology->block_size;
    CreateCall call;
    call.cpus = plan->cpus;
    call.candidates = candidate_ranges(plan->block_candidates, topology->block_size);
    call.mem_size = plan->blocks_needed * topology->block_size;
    call.flags = COKERNEL_CREATE_TEMPORARY;
    if (int err = client.create(call, out.id, out.ranges); err != 0)
        return fail(create_error(err, *plan));
    if (options.boot) {
        if (int err = client.boot(out.id, options.image, options.cmdline); err != 0)
            return fail(boot_error(err, out.id) + undo_boot(client, out.id));
    }
    return out;
}

} // namespace cokernel

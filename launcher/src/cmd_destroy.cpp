// cokernel destroy ID | --all
//
// DESTROY: the module stops the co-kernel and puts the CPUs and every memory block back online.
#include "cli.hpp"
#include "commands.hpp"
#include "enclave_output.hpp"
#include "module_client.hpp"
#include "parse.hpp"
#include "planner.hpp"
#include "signal_guard.hpp"
#include "sysfs.hpp"
#include "text.hpp"

#include <cerrno>
#include <iostream>

namespace cokernel {
namespace {

constexpr const char* help = R"(Usage: cokernel destroy ID | --all

Destroys an enclave (or all of them) and gives its CPUs and memory back to
Linux: the module stops the co-kernel, onlines the CPUs, and onlines each
memory block into the zone it came from. An enclave running a job (a
'cokernel run' maps its memory) is refused: end the job first. An enclave
whose CPUs or memory did not all go back stays listed as 'leftover';
destroying it again retries (--all too).

Options:
  --all     destroy every enclave
)";

std::string destroy_error(int err, const EnclaveInfo& enclave) {
    switch (err) {
    case ENOENT:
        return cat("no enclave ", enclave.id, " (see 'cokernel list')");
    case EBUSY:
        if (enclave.proxy_pid > 0)
            return cat("enclave ", enclave.id, " is running a job: 'cokernel run' (pid ", enclave.proxy_pid,
                       ") maps its memory; end that job first (kill ", enclave.proxy_pid, ")");
        return cat("enclave ", enclave.id,
                   " is busy: a process still maps its job memory; end it first ('dmesg | tail' names it)");
    case EIO:
        return cat("enclave ", enclave.id,
                   " is stopped, but some of its CPUs or memory blocks did not go back to Linux; it stays "
                   "listed as leftover ('cokernel list'; 'dmesg | tail' says why; 'cokernel destroy ",
                   enclave.id, "' retries)");
    default:
        return cat("the module could not destroy enclave ", enclave.id, ": ", errno_text(err));
    }
}

// Destroys one enclave (the module stops it and puts CPUs and memory back online) and reports what went
// back; returns an exit status.
int destroy_one(ModuleClient& client, const EnclaveInfo& enclave, std::uint64_t block_size) {
    SignalGuard hold_signals;
    if (int err = client.destroy(enclave.id); err != 0) {
        EnclaveInfo now = enclave;
        (void)client.info(enclave.id, now); // the proxy's pid as it is now
        return report(fail(destroy_error(err, now)));
    }
    std::vector<unsigned> still_offline;
    for (unsigned cpu : enclave.cpus)
        if (!read_cpu_online(default_sysfs_root, cpu))
            still_offline.push_back(cpu);
    std::vector<std::string> stuck;
    for (unsigned index : blocks_in_ranges(enclave.ranges, block_size))
        if (!read_memory_block_online(default_sysfs_root, index))
            stuck.push_back(cat("memory", index));
    std::cout << "Enclave " << enclave.id << " destroyed: " << (enclave.cpus.size() == 1 ? "CPU " : "CPUs ")
              << format_cpu_list(enclave.cpus) << (still_offline.empty() ? " back online" : "") << "; memory "
              << format_memory(enclave.ranges) << (stuck.empty() ? " back online" : "") << " ("
              << format_blocks(enclave.ranges, block_size) << ")\n";
    // The module onlines everything itself; what it could not is a leftover it reports (EIO above). Anything
    // offline here was taken offline again by somebody else since.
    std::vector<std::string> offline;
    if (!still_offline.empty())
        offline.push_back("CPUs " + format_cpu_list(still_offline));
    if (!stuck.empty())
        offline.push_back("memory blocks " + join(stuck, ", "));
    if (!offline.empty())
        return report(fail(cat("enclave ", enclave.id, " is gone, but ", join(offline, " and "),
                               " are offline again (somebody else took them)")));
    return exit_ok;
}

} // namespace

int cmd_destroy(const std::vector<std::string>& argv) {
    auto args = parse_args(argv, {{"--all", false}});
    if (!args)
        return usage_error("destroy", args.error().message);
    if (args->help) {
        std::cout << help;
        return exit_ok;
    }
    if (args->positional.size() > 1)
        return usage_error("destroy", "unexpected argument '" + args->positional[1] + "'");
    bool all = args->has("--all");
    if (all == !args->positional.empty())
        return report(fail("give an enclave ID or --all (see 'cokernel list')"));
    std::optional<int> wanted;
    if (!all) {
        auto id = parse_unsigned(args->positional.front(), "enclave ID");
        if (!id || *id > static_cast<unsigned>(std::numeric_limits<int>::max()))
            return report(fail(cat("invalid enclave ID '", args->positional.front(),
                                   "': expected a number from 'cokernel list'")));
        wanted = static_cast<int>(*id);
    }

    if (auto root = require_root(); !root)
        return report(root.error());
    auto client = ModuleClient::open();
    if (!client)
        return report(client.error());
    auto block_size = read_block_size(default_sysfs_root);
    if (!block_size)
        return report(block_size.error());
    auto enclaves = list_enclaves(*client);
    if (!enclaves)
        return report(enclaves.error());

    if (all && enclaves->empty()) {
        std::cout << "no enclaves to destroy\n";
        return exit_ok;
    }
    int status = exit_ok;
    bool found = false;
    for (const EnclaveInfo& enclave : *enclaves) {
        if (wanted && enclave.id != *wanted)
            continue;
        found = true;
        if (int result = destroy_one(*client, enclave, *block_size); result != exit_ok)
            status = result;
    }
    if (!found)
        return report(fail(cat("no enclave ", *wanted, " (see 'cokernel list')")));
    return status;
}

} // namespace cokernel

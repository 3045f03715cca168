// cokernel destroy ID | --all
//
// DESTROY first (the module puts the CPUs back online and releases the
// memory), then the launcher onlines each memory block through sysfs.
#include "cli.hpp"
#include "commands.hpp"
#include "enclave_output.hpp"
#include "memory_ops.hpp"
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
Linux. Memory blocks are onlined as movable where the kernel allows it.

Options:
  --all     destroy every enclave
)";

// Destroys one enclave and reports what went back; returns an exit status.
int destroy_one(ModuleClient& client, const EnclaveInfo& enclave, std::uint64_t block_size) {
    SignalGuard hold_signals;
    if (int err = client.destroy(enclave.id); err != 0) {
        if (err == ENOENT)
            return report(fail(cat("no enclave ", enclave.id, " (see 'cokernel list')")));
        return report(fail(cat("the module could not destroy enclave ", enclave.id, ": ", errno_text(err))));
    }

    std::vector<unsigned> still_offline;
    for (unsigned cpu : enclave.cpus)
        if (!read_cpu_online(default_sysfs_root, cpu))
            still_offline.push_back(cpu);

    BlockStateWriter write = [](unsigned index, const std::string& state) {
        return write_memory_block_state(default_sysfs_root, index, state);
    };
    std::vector<std::string> stuck;
    for (unsigned index : blocks_in_ranges(enclave.ranges, block_size))
        if (int err = online_block(index, MemoryZone::unknown, write); err != 0)
            stuck.push_back(cat("memory", index, " (", errno_text(err), ")"));

    std::cout << "Enclave " << enclave.id << " destroyed: " << (enclave.cpus.size() == 1 ? "CPU " : "CPUs ")
              << format_cpu_list(enclave.cpus) << (still_offline.empty() ? " back online" : "") << "; memory "
              << format_memory(enclave.ranges) << (stuck.empty() ? " back online" : "") << " ("
              << format_blocks(enclave.ranges, block_size) << ")\n";
    int status = exit_ok;
    if (!still_offline.empty())
        status = report(fail(cat("enclave ", enclave.id, " is gone but CPUs ", format_cpu_list(still_offline),
                                 " are still offline; run 'echo 1 > /sys/devices/system/cpu/cpuN/online'")));
    if (!stuck.empty())
        status = report(fail(cat("enclave ", enclave.id, " is gone but memory blocks ", join(stuck, ", "),
                                 " could not be onlined; run 'echo online > "
                                 "/sys/devices/system/memory/memoryN/state'")));
    return status;
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

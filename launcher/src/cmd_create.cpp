// cokernel create (--cpus LIST | --ncpus N) --mem SIZE [--numa NODE] --no-boot
//
// Order matters: plan (pure), offline memory through sysfs, then CREATE; any
// failure after the first change gives everything back before reporting.
#include "cli.hpp"
#include "commands.hpp"
#include "enclave_output.hpp"
#include "live_topology.hpp"
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

constexpr const char* help =
    R"(Usage: cokernel create (--cpus LIST | --ncpus N) --mem SIZE [--numa NODE] --no-boot

Takes CPUs and memory away from Linux and makes them an enclave. Prints a
summary, then the enclave id alone on the last line:
  id=$(cokernel create --ncpus 2 --mem 256M --no-boot | tail -n1)

Options:
  --cpus LIST    exactly these CPUs, e.g. 2-3,5 (one NUMA node, never CPU 0)
  --ncpus N      N free CPUs of one NUMA node, whole cores first
  --mem SIZE     memory: bytes or K/M/G/T (binary), e.g. 256M, 1G, 2GiB;
                 a multiple of the memory block size ('cokernel topo')
  --numa NODE    take memory (and, with --ncpus, CPUs) from this node;
                 default: the node of the CPUs
  --no-boot      only partition; booting a co-kernel is not implemented yet
)";

Result<CreateRequest> request_from(const Args& args) {
    CreateRequest request;
    if (args.has("--cpus")) {
        auto cpus = parse_cpu_list(args.options.at("--cpus"));
        if (!cpus)
            return cpus.error();
        request.cpus = *cpus;
    }
    if (args.has("--ncpus")) {
        auto n = parse_unsigned(args.options.at("--ncpus"), "--ncpus");
        if (!n)
            return n.error();
        request.ncpus = *n;
    }
    if (request.cpus.has_value() == request.ncpus.has_value())
        return fail("give exactly one of --cpus LIST and --ncpus N");
    if (!args.has("--mem"))
        return fail("--mem SIZE is required (e.g. --mem 256M)");
    auto size = parse_size(args.options.at("--mem"));
    if (!size)
        return size.error();
    request.memory = *size;
    if (args.has("--numa")) {
        auto node = parse_unsigned(args.options.at("--numa"), "--numa");
        if (!node)
            return node.error();
        request.numa = *node;
    }
    if (!args.has("--no-boot"))
        return fail("booting a co-kernel is not implemented yet; add --no-boot");
    return request;
}

std::string create_error(int err, const Plan& plan) {
    std::string cpus = format_cpu_list(plan.cpus);
    switch (err) {
    case EPERM:
        return "the module refused: not permitted (needs CAP_SYS_ADMIN; CPU 0 stays with Linux)";
    case ENODEV:
        return cat("the module says a CPU of ", cpus, " does not exist");
    case EBUSY:
        return cat("CPUs ", cpus,
                   " or the memory are busy (already in an enclave, or memory still online); "
                   "see 'cokernel topo'");
    case ENOSPC:
        return cat("the module's enclave table is full (", COKERNEL_MAX_ENCLAVES,
                   " enclaves); destroy one with 'cokernel destroy ID'");
    case EOPNOTSUPP:
        return "booting is not implemented yet; use --no-boot";
    case EINVAL:
        return "the module rejected the request as invalid; 'dmesg | tail -n1' says why "
               "(a module and a cokernel command from different builds?)";
    default:
        return cat("the module could not create the enclave: ", errno_text(err),
                   "; 'dmesg | tail -n1' says why");
    }
}

Error with_rollback_note(std::string message, const std::vector<std::string>& stuck) {
    if (!stuck.empty())
        message +=
            cat(" (warning: ", join(stuck, ", "),
                " could not be onlined again; run 'echo online > /sys/devices/system/memory/memoryN/state')");
    return fail(message);
}

} // namespace

int cmd_create(const std::vector<std::string>& argv) {
    auto args = parse_args(
        argv, {{"--cpus", true}, {"--ncpus", true}, {"--mem", true}, {"--numa", true}, {"--no-boot", false}});
    if (!args)
        return usage_error("create", args.error().message);
    if (args->help) {
        std::cout << help;
        return exit_ok;
    }
    if (!args->positional.empty())
        return usage_error("create", "unexpected argument '" + args->positional.front() + "'");
    auto request = request_from(*args);
    if (!request)
        return report(request.error());
    if (auto root = require_root(); !root)
        return report(root.error());
    auto client = ModuleClient::open();
    if (!client)
        return report(client.error());
    auto enclaves = list_enclaves(*client);
    if (!enclaves)
        return report(enclaves.error());
    auto topology = load_live_topology(default_sysfs_root, *enclaves);
    if (!topology)
        return report(topology.error());
    auto plan = plan_enclave(*topology, *request);
    if (!plan)
        return report(plan.error());

    SignalGuard hold_signals;
    BlockStateWriter write = [](unsigned index, const std::string& state) {
        return write_memory_block_state(default_sysfs_root, index, state);
    };
    auto offlined = offline_blocks(plan->block_candidates, plan->blocks_needed, plan->memory_node, write);
    if (!offlined)
        return report(offlined.error());
    std::vector<MemRange> ranges = merge_blocks(*offlined, topology->block_size);
    if (ranges.size() > COKERNEL_MAX_MEM_RANGES)
        return report(with_rollback_note(cat("the free memory of node ", plan->memory_node, " is split into ",
                                             ranges.size(), " pieces; an enclave takes at most ",
                                             COKERNEL_MAX_MEM_RANGES, "; ask for less memory"),
                                         online_back(*offlined, plan->block_candidates, write)));

    int id = -1;
    if (int err = client->create(plan->cpus, ranges, COKERNEL_CREATE_NO_BOOT, id); err != 0)
        return report(with_rollback_note(create_error(err, *plan),
                                         online_back(*offlined, plan->block_candidates, write)));

    std::cout << "Enclave " << id << " created (partitioned, not booted)\n"
              << "  CPUs:   " << format_cpu_list(plan->cpus) << " (NUMA node " << plan->cpu_node
              << "), now offline to Linux\n"
              << "  Memory: " << format_memory(ranges) << " (NUMA node " << plan->memory_node << ", "
              << format_blocks(ranges, topology->block_size) << ")\n"
              << id << '\n';
    return exit_ok;
}

} // namespace cokernel

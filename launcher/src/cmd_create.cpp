// cokernel create (--cpus LIST | --ncpus N) --mem SIZE [--numa NODE] [--image PATH] [--cmdline STR]
// [--no-boot]
//
// Order matters: read the image, plan (pure), offline memory through sysfs,
// CREATE, then BOOT; any failure after the first change gives everything back
// before reporting.
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
#include <fstream>
#include <iostream>
#include <iterator>

namespace cokernel {
namespace {

constexpr const char* help =
    R"(Usage: cokernel create (--cpus LIST | --ncpus N) --mem SIZE [--numa NODE]
                       [--image PATH] [--cmdline STR] [--no-boot]

Takes CPUs and memory away from Linux, makes them an enclave and boots the
co-kernel on it. Prints a summary, then the enclave id alone on the last line:
  id=$(cokernel create --ncpus 2 --mem 256M | tail -n1)
If the co-kernel does not come up, everything is given back and the command
fails, showing what the co-kernel printed.

Options:
  --cpus LIST    exactly these CPUs, e.g. 2-3,5 (one NUMA node, never CPU 0)
  --ncpus N      N free CPUs of one NUMA node, whole cores first
  --mem SIZE     memory: bytes or K/M/G/T (binary), e.g. 256M, 1G, 2GiB;
                 a multiple of the memory block size ('cokernel topo')
  --numa NODE    take memory (and, with --ncpus, CPUs) from this node;
                 default: the node of the CPUs
  --image PATH   the co-kernel image (default )" COKERNEL_DEFAULT_IMAGE R"()
  --cmdline STR  command line for the co-kernel (at most 255 bytes)
  --no-boot      only partition; boot nothing
)";

constexpr const char* default_image = COKERNEL_DEFAULT_IMAGE;

Result<std::vector<char>> read_image(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return fail(cat("cannot read the co-kernel image ", path, ": ", errno_text(errno),
                        " (give one with --image PATH)"));
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.empty())
        return fail(cat("the co-kernel image ", path, " is empty"));
    return bytes;
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
    case E2BIG:
        return "--cmdline is longer than 255 bytes";
    default:
        return cat("the module could not boot enclave ", id, ": ", errno_text(err),
                   "; 'dmesg | tail' says why");
    }
}

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
    if (args.has("--no-boot") && (args.has("--image") || args.has("--cmdline")))
        return fail("--image and --cmdline need booting; drop --no-boot");
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
    auto args = parse_args(argv, {{"--cpus", true},
                                  {"--ncpus", true},
                                  {"--mem", true},
                                  {"--numa", true},
                                  {"--no-boot", false},
                                  {"--image", true},
                                  {"--cmdline", true}});
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
    const bool boot = !args->has("--no-boot");
    const std::string cmdline = args->has("--cmdline") ? args->options.at("--cmdline") : "";
    if (cmdline.size() >= COKERNEL_CMDLINE_MAX)
        return report(fail("--cmdline is longer than 255 bytes"));
    std::vector<char> image;
    if (boot) {
        auto bytes = read_image(args->has("--image") ? args->options.at("--image") : default_image);
        if (!bytes)
            return report(bytes.error());
        image = std::move(*bytes);
    }
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

    if (boot) {
        if (int err = client->boot(id, image, cmdline); err != 0) {
            std::uint64_t pos = 0;
            std::uint64_t lost = 0;
            std::uint32_t state = 0;
            std::string console;
            if (client->console(id, pos, console, lost, state) == 0 && !console.empty())
                std::cerr << "cokernel: console of enclave " << id << ":\n" << console;
            std::vector<std::string> stuck;
            if (client->destroy(id) == 0)
                stuck = online_back(*offlined, plan->block_candidates, write);
            else
                stuck.push_back(cat("enclave ", id, " (destroy it with 'cokernel destroy ", id, "')"));
            return report(with_rollback_note(boot_error(err, id), stuck));
        }
    }
    std::cout << "Enclave " << id
              << (boot ? " created and booted (running)\n" : " created (partitioned, not booted)\n")
              << "  CPUs:   " << format_cpu_list(plan->cpus) << " (NUMA node " << plan->cpu_node
              << "), now offline to Linux\n"
              << "  Memory: " << format_memory(ranges) << " (NUMA node " << plan->memory_node << ", "
              << format_blocks(ranges, topology->block_size) << ")\n"
              << id << '\n';
    return exit_ok;
}

} // namespace cokernel

// cokernel create (--cpus LIST | --ncpus N) --mem SIZE [--numa NODE] [--image PATH] [--cmdline STR]
// [--no-boot]
//
// Read the image, plan (pure), CREATE (the module takes CPUs and memory offline), BOOT, KEEP
// (enclave_create.hpp); whatever fails or kills us before KEEP, the module gives everything back.
#include "cli.hpp"
#include "commands.hpp"
#include "enclave_create.hpp"
#include "enclave_output.hpp"
#include "module_client.hpp"
#include "parse.hpp"
#include "signal_guard.hpp"
#include "text.hpp"

#include <cerrno>
#include <iostream>

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
    CreateOptions options;
    options.request = *request;
    options.boot = boot;
    options.cmdline = cmdline;
    if (boot) {
        auto bytes = read_image(args->has("--image") ? args->options.at("--image") : "");
        if (!bytes)
            return report(bytes.error());
        options.image = std::move(*bytes);
    }
    auto client = ModuleClient::open();
    if (!client)
        return report(client.error());
    // Until KEEP the enclave belongs to this process's device file: Ctrl-C or kill -9 on the way, and the
    // module gives everything back.
    auto created = create_enclave(*client, options);
    if (!created)
        return report(created.error());
    SignalGuard hold_signals; // from KEEP on, the id must be printed
    if (int err = client->keep(created->id); err != 0)
        return report(fail(cat("could not make enclave ", created->id, " permanent: ", errno_text(err),
                               "; it was given back")));
    const Plan& plan = created->plan;
    std::cout << "Enclave " << created->id
              << (boot ? " created and booted (running)\n" : " created (partitioned, not booted)\n")
              << "  CPUs:   " << format_cpu_list(plan.cpus) << " (NUMA node " << plan.cpu_node
              << "), now offline to Linux\n"
              << "  Memory: " << format_memory(created->ranges) << " (NUMA node " << plan.memory_node << ", "
              << format_blocks(created->ranges, created->block_size) << ")\n"
              << created->id << '\n';
    return exit_ok;
}

} // namespace cokernel

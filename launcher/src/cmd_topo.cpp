// cokernel topo [--json]
#include "cli.hpp"
#include "commands.hpp"
#include "live_topology.hpp"
#include "module_client.hpp"
#include "sysfs.hpp"
#include "topo_output.hpp"

#include <iostream>
#include <unistd.h>

namespace cokernel {
namespace {

constexpr const char* help = R"(Usage: cokernel topo [--json]

Shows the NUMA nodes (CPUs, memory total and free), every CPU (node, core,
online / offline / in an enclave) and every memory block (start address, node,
zone, state, and whether Linux can give it up: yes for the Movable zone, maybe
for Normal, no for others). Enclave membership is shown when the module is
loaded and the command runs as root.

Options:
  --json    print one JSON object instead of tables
)";

// Enclaves, when the module is loaded and we may ask it; topo works without.
std::vector<EnclaveInfo> enclaves_if_available() {
    if (::geteuid() != 0 || ::access(COKERNEL_DEVICE, F_OK) != 0)
        return {};
    auto client = ModuleClient::open();
    if (!client) {
        std::cerr << "cokernel: warning: " << client.error().message << '\n';
        return {};
    }
    auto enclaves = list_enclaves(*client);
    if (!enclaves) {
        std::cerr << "cokernel: warning: " << enclaves.error().message << '\n';
        return {};
    }
    return *enclaves;
}

} // namespace

int cmd_topo(const std::vector<std::string>& argv) {
    auto args = parse_args(argv, {{"--json", false}});
    if (!args)
        return usage_error("topo", args.error().message);
    if (args->help) {
        std::cout << help;
        return exit_ok;
    }
    if (!args->positional.empty())
        return usage_error("topo", "unexpected argument '" + args->positional.front() + "'");

    auto topology = load_live_topology(default_sysfs_root, enclaves_if_available());
    if (!topology)
        return report(topology.error());
    std::cout << (args->has("--json") ? topology_json(*topology) : topology_text(*topology));
    return exit_ok;
}

} // namespace cokernel

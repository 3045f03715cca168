// cokernel list [--json]
#include "cli.hpp"
#include "commands.hpp"
#include "enclave_output.hpp"
#include "module_client.hpp"

#include <iostream>

namespace cokernel {
namespace {

constexpr const char* help = R"(Usage: cokernel list [--json]

Shows every enclave: id, state, CPUs and memory (total and physical ranges).

Options:
  --json    print a JSON array instead of a table
)";

} // namespace

int cmd_list(const std::vector<std::string>& argv) {
    auto args = parse_args(argv, {{"--json", false}});
    if (!args)
        return usage_error("list", args.error().message);
    if (args->help) {
        std::cout << help;
        return exit_ok;
    }
    if (!args->positional.empty())
        return usage_error("list", "unexpected argument '" + args->positional.front() + "'");
    if (auto root = require_root(); !root)
        return report(root.error());
    auto client = ModuleClient::open();
    if (!client)
        return report(client.error());
    auto enclaves = list_enclaves(*client);
    if (!enclaves)
        return report(enclaves.error());
    std::cout << (args->has("--json") ? enclaves_json(*enclaves) : enclaves_text(*enclaves));
    return exit_ok;
}

} // namespace cokernel

// cokernel console ID [-f]
//
// Prints what the co-kernel of enclave ID wrote to its console ring; with -f,
// keeps printing new output until the enclave is destroyed or ^C.
#include "cli.hpp"
#include "commands.hpp"
#include "module_client.hpp"
#include "parse.hpp"
#include "text.hpp"

#include <cerrno>
#include <chrono>
#include <iostream>
#include <thread>

namespace cokernel {
namespace {

constexpr const char* help = R"(Usage: cokernel console ID [-f]

Prints the console of enclave ID: everything its co-kernel printed (boot
banner, CPUs coming up, panics and exception dumps). The ring keeps the last
64 KiB; older output is reported as lost.

Options:
  -f, --follow   keep printing new output until the enclave is destroyed
)";

} // namespace

int cmd_console(const std::vector<std::string>& argv) {
    std::vector<std::string> normalized;
    for (const std::string& a : argv)
        normalized.push_back(a == "-f" ? "--follow" : a);
    auto args = parse_args(normalized, {{"--follow", false}});
    if (!args)
        return usage_error("console", args.error().message);
    if (args->help) {
        std::cout << help;
        return exit_ok;
    }
    if (args->positional.size() != 1)
        return usage_error("console", "give one enclave ID");
    auto id = parse_unsigned(args->positional[0], "enclave ID");
    if (!id)
        return report(id.error());
    if (auto root = require_root(); !root)
        return report(root.error());
    auto client = ModuleClient::open();
    if (!client)
        return report(client.error());
    const bool follow = args->has("--follow");
    std::uint64_t pos = 0;
    std::uint64_t lost = 0;
    for (;;) {
        std::string text;
        std::uint64_t lost_now = 0;
        std::uint32_t state = 0;
        const int err = client->console(static_cast<int>(*id), pos, text, lost_now, state);
        if (err == ENOENT) {
            if (follow && pos > 0)
                return exit_ok; // destroyed while we followed it
            return report(fail(cat("no enclave ", *id, " (see 'cokernel list')")));
        }
        if (err != 0)
            return report(fail(cat("cannot read the console of enclave ", *id, ": ", errno_text(err))));
        if (lost_now != 0)
            std::cout << "[cokernel: " << lost_now << " bytes of older output were overwritten]\n";
        lost += lost_now;
        std::cout << text << std::flush;
        if (text.empty()) {
            if (!follow)
                return exit_ok;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
}

} // namespace cokernel

// cokernel ping ID [-c COUNT]      cokernel fault ID KIND
//
// ping: a round trip Linux -> co-kernel -> Linux (doorbell IPI, answer through
// the notification IRQ). fault: makes the co-kernel fail on purpose, for tests
// of fault containment (root only, like every command that talks to an enclave).
#include "cli.hpp"
#include "commands.hpp"
#include "module_client.hpp"
#include "parse.hpp"
#include "text.hpp"

#include <cerrno>
#include <cstdio>
#include <iostream>
#include <optional>

namespace cokernel {
namespace {

constexpr const char* ping_help = R"(Usage: cokernel ping ID [-c COUNT]

Sends COUNT (default 1) pings to the co-kernel of enclave ID and prints each
round-trip time. Fails when the co-kernel does not answer within 2 s; the
enclave is then marked failed.
)";

constexpr const char* fault_help = R"(Usage: cokernel fault ID KIND

Makes the co-kernel of enclave ID fail on purpose (for tests). KIND is one of
  panic        the co-kernel panics
  page-fault   it touches unmapped memory
  divide       it divides by zero
  hang         it stops answering, interrupts off
  stack        an unusable stack pointer: the page fault becomes a double
               fault, which the co-kernel catches on its own stack (without
               that, this is the classic route to a triple fault)
  triple       a real triple fault (resets the CPU; QEMU and most real
               chipsets reset the whole machine: not for tests)
Linux is not affected: the enclave becomes 'failed', its console keeps the
message, and 'cokernel destroy ID' gives everything back.
)";

struct Kind {
    const char* name;
    std::uint64_t value;
};
constexpr Kind kinds[] = {{"panic", COKERNEL_FAULT_PANIC},   {"page-fault", COKERNEL_FAULT_PAGE_FAULT},
                          {"divide", COKERNEL_FAULT_DIVIDE}, {"hang", COKERNEL_FAULT_HANG},
                          {"triple", COKERNEL_FAULT_TRIPLE}, {"stack", COKERNEL_FAULT_STACK}};

std::string command_error(int err, unsigned id) {
    switch (err) {
    case ENOENT:
        return cat("no enclave ", id, " (see 'cokernel list')");
    case ESRCH:
        return cat("enclave ", id, " is not running (see 'cokernel list' and 'cokernel console ", id, "')");
    case ETIMEDOUT:
        return cat("enclave ", id,
                   " did not answer within 2 s; it is now marked failed (see 'cokernel console ", id, "')");
    default:
        return cat("enclave ", id, ": ", errno_text(err));
    }
}

// Parses "ID" and opens the module; prints the error itself and returns nullopt-like status via exit code.
int open_for(const Args& args, const char* command, std::size_t positionals, unsigned& id,
             std::optional<ModuleClient>& client) {
    if (args.positional.size() != positionals)
        return usage_error(command,
                           positionals == 1 ? "give one enclave ID" : "give an enclave ID and a KIND");
    auto parsed = parse_unsigned(args.positional[0], "enclave ID");
    if (!parsed)
        return report(parsed.error());
    id = static_cast<unsigned>(*parsed);
    if (auto root = require_root(); !root)
        return report(root.error());
    auto opened = ModuleClient::open();
    if (!opened)
        return report(opened.error());
    client.emplace(std::move(*opened));
    return exit_ok;
}

} // namespace

int cmd_ping(const std::vector<std::string>& argv) {
    std::vector<std::string> normalized;
    for (const std::string& a : argv)
        normalized.push_back(a == "-c" ? "--count" : a);
    auto args = parse_args(normalized, {{"--count", true}});
    if (!args)
        return usage_error("ping", args.error().message);
    if (args->help) {
        std::cout << ping_help;
        return exit_ok;
    }
    unsigned count = 1;
    if (args->has("--count")) {
        auto n = parse_unsigned(args->options.at("--count"), "-c");
        if (!n || *n == 0)
            return report(n ? fail("-c must be at least 1") : n.error());
        count = static_cast<unsigned>(*n);
    }
    unsigned id = 0;
    std::optional<ModuleClient> client;
    if (int status = open_for(*args, "ping", 1, id, client); status != exit_ok || !client)
        return status;
    for (unsigned i = 0; i < count; ++i) {
        std::uint64_t ns = 0;
        std::int32_t result = 0;
        if (int err = client->command(static_cast<int>(id), COKERNEL_CMD_PING, 0, ns, result); err != 0)
            return report(fail(command_error(err, id)));
        char line[96];
        std::snprintf(line, sizeof line, "ping enclave %u: %.1f us\n", id, static_cast<double>(ns) / 1000.0);
        std::cout << line << std::flush;
    }
    return exit_ok;
}

int cmd_fault(const std::vector<std::string>& argv) {
    auto args = parse_args(argv, {});
    if (!args)
        return usage_error("fault", args.error().message);
    if (args->help) {
        std::cout << fault_help;
        return exit_ok;
    }
    if (args->positional.size() == 2) {
        const Kind* kind = nullptr;
        for (const Kind& k : kinds)
            if (args->positional[1] == k.name)
                kind = &k;
        if (kind == nullptr)
            return usage_error("fault", cat("unknown fault kind '", args->positional[1], "'"));
        unsigned id = 0;
        std::optional<ModuleClient> client;
        if (int status = open_for(*args, "fault", 2, id, client); status != exit_ok || !client)
            return status;
        std::uint64_t ns = 0;
        std::int32_t result = 0;
        if (int err = client->command(static_cast<int>(id), COKERNEL_CMD_FAULT, kind->value, ns, result);
            err != 0)
            return report(fail(command_error(err, id)));
        std::cout << "enclave " << id << ": fault '" << kind->name << "' injected; see 'cokernel list' and "
                  << "'cokernel console " << id << "'\n";
        return exit_ok;
    }
    return usage_error("fault", "give an enclave ID and a KIND");
}

} // namespace cokernel

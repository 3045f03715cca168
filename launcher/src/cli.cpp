#include "cli.hpp"

#include "commands.hpp"
#include "text.hpp"

#include <cokernel/abi.h>

#include <iostream>
#include <optional>
#include <unistd.h>

#ifndef COKERNEL_VERSION
#define COKERNEL_VERSION "unknown"
#endif

namespace cokernel {
namespace {

constexpr const char* main_help = R"(Usage: cokernel COMMAND [OPTIONS]
       cokernel --help | --version

Partitions this machine: takes CPUs and memory away from Linux, boots a
co-kernel on them (an enclave), and gives them back.

Commands:
  topo [--json]                     show NUMA nodes, CPUs and memory blocks
  create (--cpus LIST | --ncpus N) --mem SIZE [--numa NODE]
         [--image PATH] [--cmdline STR] [--no-boot]
                                    create an enclave and boot the co-kernel
                                    on it; prints its id last
  list [--json]                     show enclaves
  console ID [-f]                   print an enclave's console
  ping ID [-c COUNT]                round trip to an enclave's co-kernel
  run [--enclave ID | --ncpus N --mem SIZE] [--user WHO] PROG [ARGS]
                                    run a static Linux executable on an
                                    enclave (default: a temporary one of 1 CPU
                                    and 256M); exits with PROG's status, 125
                                    when cokernel run itself failed
  destroy ID | --all                destroy enclaves, give CPUs and memory back
  xemem list|stats [--json]         shared-memory segments and counters

Run 'cokernel COMMAND --help' for a command's options. Every command except
'topo' needs the module ('modprobe cokernel'); all but 'topo' and 'xemem'
must run as root.
)";

struct Command {
    const char* name;
    int (*run)(const std::vector<std::string>&);
};

// clang-format off
constexpr Command commands[] = {
    {"topo", cmd_topo},
    {"create", cmd_create},
    {"list", cmd_list},
    {"destroy", cmd_destroy},
    {"console", cmd_console},
    {"ping", cmd_ping},
    {"fault", cmd_fault}, // a test hook (docs/user-guide.md, "cokernel fault"), not listed in the help
    {"run", cmd_run},
    {"xemem", cmd_xemem},
};
// clang-format on

} // namespace

Result<Args> parse_args(const std::vector<std::string>& argv, const std::vector<OptionSpec>& specs) {
    Args args;
    bool options_done = false;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& arg = argv[i];
        if (options_done || arg.size() < 2 || arg[0] != '-') {
            args.positional.push_back(arg);
            continue;
        }
        if (arg == "--") {
            options_done = true;
            continue;
        }
        if (arg == "--help" || arg == "-h") {
            args.help = true;
            continue;
        }
        std::string name = arg;
        std::optional<std::string> inline_value;
        if (auto eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
            name = arg.substr(0, eq);
            inline_value = arg.substr(eq + 1);
        }
        const OptionSpec* spec = nullptr;
        for (const OptionSpec& candidate : specs)
            if (candidate.name == name)
                spec = &candidate;
        if (spec == nullptr)
            return fail(cat("unknown option '", name, "'"));
        if (args.has(name))
            return fail(cat("option '", name, "' given twice"));
        if (!spec->takes_value) {
            if (inline_value)
                return fail(cat("option '", name, "' takes no value"));
            args.options[name] = "";
        } else if (inline_value) {
            args.options[name] = *inline_value;
        } else {
            if (i + 1 >= argv.size())
                return fail(cat("option '", name, "' needs a value"));
            args.options[name] = argv[++i];
        }
    }
    return args;
}

int report(const Error& error) {
    std::cerr << "cokernel: " << error.message << '\n';
    return exit_error;
}

int usage_error(std::string_view command, const std::string& message) {
    std::cerr << "cokernel: " << message << '\n';
    if (command.empty())
        std::cerr << "Try 'cokernel --help'.\n";
    else
        std::cerr << "Try 'cokernel " << command << " --help'.\n";
    return exit_usage;
}

Status require_root() {
    if (::geteuid() != 0)
        return fail("must be run as root (try sudo)");
    return Ok{};
}

int run_cli(const std::vector<std::string>& argv) {
    if (argv.empty())
        return usage_error("", "no command given");
    const std::string& first = argv.front();
    if (first == "--help" || first == "-h" || first == "help") {
        std::cout << main_help;
        return exit_ok;
    }
    if (first == "--version" || first == "-V") {
        std::cout << "cokernel " << COKERNEL_VERSION << " (ABI revision " << COKERNEL_ABI_REVISION << ")\n";
        return exit_ok;
    }
    for (const Command& command : commands)
        if (first == command.name)
            return command.run(std::vector<std::string>(argv.begin() + 1, argv.end()));
    if (first.rfind("-", 0) == 0)
        return usage_error("", cat("unknown option '", first, "'"));
    return usage_error("", cat("unknown command '", first, "'"));
}

} // namespace cokernel

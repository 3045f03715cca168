// Command-line entry: dispatch to the commands, option parsing, exit codes and
// the one-line error format ("cokernel: ..." on stderr).
#pragma once

#include "result.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cokernel {

inline constexpr int exit_ok = 0;
inline constexpr int exit_error = 1; // the request failed; nothing was changed
inline constexpr int exit_usage = 2; // unknown command or option
// cokernel run: the launcher itself failed (PROG did not run, or its enclave failed under it), as env(1) and
// timeout(1) report their own failures, so that it is not mistaken for PROG's exit status.
inline constexpr int exit_launcher = 125;

struct OptionSpec {
    std::string name; // "--cpus"
    bool takes_value = false;
};

struct Args {
    std::map<std::string, std::string> options; // flags map to ""
    std::vector<std::string> positional;
    bool help = false;

    bool has(const std::string& name) const { return options.count(name) != 0; }
};

// Accepts "--opt VALUE", "--opt=VALUE", "--help"/"-h" and "--" before positionals.
// The error is a usage error (exit 2).
Result<Args> parse_args(const std::vector<std::string>& argv, const std::vector<OptionSpec>& specs);

// Prints "cokernel: MESSAGE" on stderr; returns exit_error.
int report(const Error& error);
// Prints "cokernel: MESSAGE" and a hint to COMMAND --help; returns exit_usage.
int usage_error(std::string_view command, const std::string& message);
// Fails unless the effective user is root.
Status require_root();

int run_cli(const std::vector<std::string>& argv);

} // namespace cokernel

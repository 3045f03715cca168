// cokernel run: runs a static x86-64 Linux executable on an enclave's co-kernel and serves its delegated
// syscalls as its proxy (docs/run.md).
#include "cli.hpp"
#include "commands.hpp"
#include "job_proxy.hpp"
#include "parse.hpp"
#include "text.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <unistd.h>

namespace cokernel {
namespace {

constexpr const char* help =
    R"(Usage: cokernel run [--enclave ID | --ncpus N --mem SIZE] [--delegate=NAMES] [--deny=NAMES]
                    [--syscall-stats] [--] PROG [ARGS...]

Runs PROG, a static x86-64 Linux executable, in ring 3 on the first CPU of an enclave. The co-kernel handles
memory, identity and exit itself and sends every other system call to this process, which executes it with
your credentials and the same file descriptors, working directory and terminal. Exits with PROG's exit
status, or 128 + the signal that ended it.

  --enclave ID     run on this enclave (booted, no job running); it is left as it is afterwards
  --ncpus N        otherwise: create a temporary enclave of N CPUs (default 1) ...
  --mem SIZE       ... and SIZE of memory (default 256M), destroyed afterwards (also on SIGINT/SIGTERM)
  --delegate=NAMES native syscalls to send to Linux instead (docs/delegation.md)
  --deny=NAMES     syscalls to refuse with EPERM
  --syscall-stats  print per-syscall statistics on stderr when PROG ends (native or delegated, count,
                   total and mean time: what to port next); --stats is the short form

PROG is used as given if it contains a '/', else searched in PATH. Root is needed (the enclave device).
)";

struct RunOptions {
    std::string enclave, ncpus = "1", mem = "256M", delegate, deny;
    bool stats = false;
    std::vector<std::string> command;
};

// Options up to the first argument that is not one (or "--"); the rest is PROG and its arguments.
Result<RunOptions> parse(const std::vector<std::string>& argv, bool& help_wanted) {
    RunOptions o;
    std::size_t i = 0;
    for (; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (a.empty() || a[0] != '-') {
            break;
        }
        if (a == "--help" || a == "-h") {
            help_wanted = true;
            return o;
        }
        if (a == "--stats" || a == "--syscall-stats") {
            o.stats = true;
            continue;
        }
        std::string name = a;
        std::string value;
        if (auto eq = a.find('='); eq != std::string::npos) {
            name = a.substr(0, eq);
            value = a.substr(eq + 1);
        } else if (i + 1 < argv.size()) {
            value = argv[++i];
        } else {
            return fail(cat("option '", name, "' needs a value"));
        }
        if (name == "--enclave") {
            o.enclave = value;
        } else if (name == "--ncpus") {
            o.ncpus = value;
        } else if (name == "--mem") {
            o.mem = value;
        } else if (name == "--delegate") {
            o.delegate = value;
        } else if (name == "--deny") {
            o.deny = value;
        } else {
            return fail(cat("unknown option '", name, "'"));
        }
    }
    o.command.assign(argv.begin() + static_cast<std::ptrdiff_t>(i), argv.end());
    if (o.command.empty()) {
        return fail("no program given");
    }
    return o;
}

std::string find_program(const std::string& prog) {
    if (prog.find('/') != std::string::npos) {
        return prog;
    }
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        std::string candidate = (dir.empty() ? "." : dir) + "/" + prog;
        if (::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
    }
    return prog;
}

volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_stop_signal(int sig) {
    g_stop = sig;
}

// Runs a launcher subcommand with its standard output captured.
int quietly(int (*cmd)(const std::vector<std::string>&), const std::vector<std::string>& args,
            std::string& out) {
    std::ostringstream capture;
    std::streambuf* saved = std::cout.rdbuf(capture.rdbuf());
    const int status = cmd(args);
    std::cout.rdbuf(saved);
    out = capture.str();
    return status;
}

} // namespace

int cmd_run(const std::vector<std::string>& argv) {
    bool help_wanted = false;
    auto opts = parse(argv, help_wanted);
    if (!opts)
        return usage_error("run", opts.error().message);
    if (help_wanted) {
        std::cout << help;
        return exit_ok;
    }
    const std::string path = find_program(opts->command.front());
    std::ifstream file(path, std::ios::binary);
    if (!file)
        return report(fail(cat(path, ": ", std::strerror(errno))));
    if (::access(path.c_str(), X_OK) != 0)
        return report(fail(cat(path, ": not executable (", std::strerror(errno), ")")));
    std::vector<char> image((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (auto err = check_executable(image); !err.empty())
        return report(fail(cat(path, ": ", err)));
    if (auto root = require_root(); !root)
        return report(root.error());

    JobRequest request;
    request.image = std::move(image);
    request.argv = opts->command;
    request.delegate = opts->delegate;
    request.deny = opts->deny;
    request.stats = opts->stats;
    for (char** e = environ; *e != nullptr; ++e) {
        request.envp.emplace_back(*e);
    }

    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGHUP, &sa, nullptr);

    int id = -1;
    bool temporary = false;
    if (!opts->enclave.empty()) {
        auto n = parse_unsigned(opts->enclave, "enclave id");
        if (!n)
            return usage_error("run", n.error().message);
        id = static_cast<int>(*n);
    } else {
        std::string out;
        std::vector<std::string> before;
        if (int status = quietly(cmd_create, {"--ncpus", opts->ncpus, "--mem", opts->mem}, out);
            status != exit_ok) {
            std::cerr << out;
            return status;
        }
        // cmd_create prints "Enclave ID created ..." first.
        std::istringstream words(out);
        std::string word;
        words >> word >> id;
        if (word != "Enclave" || id < 0)
            return report(fail(cat("run: cannot tell the new enclave's id from '", out, "'")));
        temporary = true;
    }
    const int status = run_job(id, request, &g_stop);
    if (temporary) {
        std::string out;
        if (quietly(cmd_destroy, {std::to_string(id)}, out) != exit_ok)
            std::cerr << "cokernel: run: could not destroy the temporary enclave " << id << '\n';
    }
    if (g_stop != 0 && status < 0) {
        return 128 + g_stop;
    }
    return status < 0 ? exit_error : status;
}

} // namespace cokernel

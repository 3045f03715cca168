// cokernel run: runs a static x86-64 Linux executable on an enclave's co-kernel and serves its delegated
// syscalls as its proxy (docs/run.md).
#include "cli.hpp"
#include "commands.hpp"
#include "enclave_keeper.hpp"
#include "job_proxy.hpp"
#include "parse.hpp"
#include "run_user.hpp"
#include "text.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <unistd.h>

namespace cokernel {
namespace {

constexpr const char* help =
    R"(Usage: cokernel run [--enclave ID | --ncpus N --mem SIZE] [--user USER|UID[:GID]] [--delegate=NAMES]
                    [--deny=NAMES] [--syscall-stats] [--wait=notify|poll] [--] PROG [ARGS...]

Runs PROG, a static x86-64 Linux executable, in ring 3 on the first CPU of an enclave. The co-kernel handles
memory, identity and exit itself and sends every other system call to this process, which executes it with
your credentials and the same file descriptors, working directory and terminal. Exits with PROG's exit
status, or 128 + the signal that ended it.

  --enclave ID     run on this enclave (booted, no job running); it is left as it is afterwards
  --ncpus N        otherwise: create a temporary enclave of N CPUs (default 1) ...
  --mem SIZE       ... and SIZE of memory (default 256M), destroyed afterwards (also on SIGINT/SIGTERM)
  --user WHO       run as this user (name or uid, optionally :gid; root only). Default: the user who
                   invoked sudo (SUDO_UID/SUDO_GID), or the real user of a setuid-root install; root
                   otherwise
  --delegate=NAMES native syscalls to send to Linux instead (docs/delegation.md)
  --deny=NAMES     syscalls to refuse with EPERM
  --wait=poll      the proxy sleeps 50 us between looks at the channel instead of waiting for the
                   co-kernel's notification interrupt (the default, --wait=notify); for comparisons
  --syscall-stats  print per-syscall statistics on stderr when PROG ends (native, delegated, rejected or
                   refused; count, total and mean time: what to port next); --stats is the short form

PROG is used as given if it contains a '/', else searched in PATH, and read with the job user's rights.
Root is needed for the enclave device; the proxy drops to the job user before the job's first system call.
)";

struct RunOptions {
    std::string enclave, ncpus = "1", mem = "256M", delegate, deny, user, wait = "notify";
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
        } else if (name == "--user") {
            o.user = value;
        } else if (name == "--wait") {
            if (value != "notify" && value != "poll")
                return fail(cat("--wait: '", value, "' is neither notify nor poll"));
            o.wait = value;
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
        if (::faccessat(AT_FDCWD, candidate.c_str(), X_OK, AT_EACCESS) == 0) {
            return candidate;
        }
    }
    return prog;
}

// PROG's bytes, found, opened and read with the job user's rights: a program that user may not execute is
// refused here, before any enclave is touched.
Result<std::vector<char>> read_program(const std::string& prog, const RunUser& user) {
    ActingAs as_user(user);
    if (!as_user.error().empty())
        return fail(as_user.error());
    const std::string path = find_program(prog);
    std::ifstream file(path, std::ios::binary);
    if (!file)
        return fail(cat(path, ": ", std::strerror(errno)));
    if (::faccessat(AT_FDCWD, path.c_str(), X_OK, AT_EACCESS) != 0)
        return fail(cat(path, ": not executable (", std::strerror(errno), ")"));
    std::vector<char> image((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (auto err = check_executable(image); !err.empty())
        return fail(cat(path, ": ", err));
    return image;
}

// Whether /proc/cokernel (world-readable) still lists enclave id.
bool enclave_listed(int id) {
    std::ifstream proc("/proc/cokernel");
    for (std::string line; std::getline(proc, line);) {
        std::istringstream words(line);
        int listed = -1;
        if (words >> listed && listed == id)
            return true;
    }
    return false;
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
    auto user = resolve_run_user(opts->user);
    if (!user)
        return report(user.error());
    auto image = read_program(opts->command.front(), *user);
    if (!image)
        return report(image.error());
    if (auto root = require_root(); !root)
        return report(root.error());

    JobRequest request;
    request.image = std::move(*image);
    request.user = *user;
    request.poll = opts->wait == "poll";
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
    // A temporary enclave goes with the proxy's device file: closing it (in run_job, or at our death) makes
    // the module destroy it; the keeper, still root, then onlines its memory.
    std::optional<EnclaveKeeper> keeper;
    if (temporary) {
        auto started = EnclaveKeeper::start(id);
        if (!started) {
            std::string out;
            (void)quietly(cmd_destroy, {std::to_string(id)}, out);
            return report(started.error());
        }
        keeper.emplace(std::move(*started));
    }
    request.temporary = temporary;
    const int status = run_job(id, request, &g_stop);
    if (temporary) {
        if (::geteuid() == 0 && enclave_listed(id)) {
            std::string out; // the job never got as far as the proxy's file (we are still root)
            if (quietly(cmd_destroy, {std::to_string(id)}, out) == exit_ok)
                keeper->done_here();
        }
        if (!keeper->finish())
            std::cerr << "cokernel: run: the temporary enclave " << id << " was not fully given back\n";
    }
    if (g_stop != 0 && status < 0) {
        return 128 + g_stop;
    }
    return status < 0 ? exit_error : status;
}

} // namespace cokernel

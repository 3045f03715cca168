// cokernel run: runs an x86-64 Linux executable on an enclave's co-kernel and serves its delegated
// syscalls as its proxy (docs/run.md).
#include "cli.hpp"
#include "commands.hpp"
#include "enclave_create.hpp"
#include "job_proxy.hpp"
#include "module_client.hpp"
#include "parse.hpp"
#include "run_user.hpp"
#include "text.hpp"

#include <cokernel/job.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace cokernel {
namespace {

constexpr const char* help =
    R"(Usage: cokernel run [--enclave ID | --ncpus N --mem SIZE] [--user USER|UID[:GID]] [--delegate=NAMES]
                    [--deny=NAMES] [--syscall-stats] [--wait=notify|poll] [--] PROG [ARGS...]

Runs PROG, an x86-64 Linux executable (static, or dynamically linked: its interpreter and libraries are read
from Linux's files), in ring 3 on the CPUs of an enclave (its threads on all of them).
The co-kernel handles memory, threads, signals, time, identity and exit itself and sends every other system
call to this process, which executes it with your credentials and the same file descriptors, working
directory and terminal. SIGHUP, SIGINT (Ctrl-C), SIGQUIT, SIGUSR1, SIGUSR2 and SIGTERM sent to this process go
to PROG: its handlers take them, or it ends as their default action says. kill -9 ends PROG at once.

  --enclave ID     run on this enclave (booted, no job running); it is left as it is afterwards
  --ncpus N        otherwise: create a temporary enclave of N CPUs (default 1) ...
  --mem SIZE       ... and SIZE of memory (default 256M); it is destroyed when this command ends, however it
                   ends (also kill -9). The job gets SIZE less 48 MiB (the co-kernel's 32 MiB and a 16 MiB
                   control area): its executable, brk and mmap share it, less an 8 MiB stack and a 2 MiB gap
                   below it (a 2G enclave: 2000 MiB, of which one mmap can take about 1989 MiB)
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

Exit status: PROG's exit status, or 128 + the signal that ended it; 125 when cokernel run itself failed
(PROG never ran, or the enclave failed under it; the message says why); 2 for a usage error.
)";

struct RunOptions {
    std::string enclave, ncpus = "1", mem = "256M", delegate, deny, user, wait = "notify";
    bool stats = false;
    bool sized = false; // --ncpus or --mem given
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
            o.sized = true;
        } else if (name == "--mem") {
            o.mem = value;
            o.sized = true;
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
    if (!o.enclave.empty() && o.sized)
        return fail("--enclave runs on an existing enclave; --ncpus and --mem size a temporary one: give "
                    "one or the other");
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

// The whole file behind fd, if it is a regular file; "" or why not.
std::string read_regular_file(int fd, std::vector<char>& out) {
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return std::strerror(errno);
    if (S_ISDIR(st.st_mode))
        return "is a directory, not a program";
    if (!S_ISREG(st.st_mode))
        return "not a regular file";
    if (static_cast<std::uint64_t>(st.st_size) > COKERNEL_JOB_ELF_MAX)
        return cat("too large: at most ", COKERNEL_JOB_ELF_MAX >> 20, " MiB");
    out.resize(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return std::strerror(errno);
        if (n == 0)
            break;
        done += static_cast<std::size_t>(n);
    }
    out.resize(done);
    return "";
}

// The bytes of the file at path, opened and read as the caller is; "" or why not.
std::string read_file_at(const std::string& path, std::vector<char>& out) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return std::strerror(errno);
    const std::string unreadable = read_regular_file(fd, out);
    ::close(fd);
    return unreadable;
}

// PROG's bytes, found, opened and read with the job user's rights, and for a dynamic executable its
// interpreter's (as Linux's execve opens it: the path in PT_INTERP, as the user): a program that user may
// not execute is refused here, before any enclave is touched.
Result<Program> read_program(const std::string& prog, const RunUser& user) {
    ActingAs as_user(user);
    if (!as_user.error().empty())
        return fail(as_user.error());
    const std::string path = find_program(prog);
    Program program;
    program.filename = path;
    if (auto unreadable = read_file_at(path, program.image); !unreadable.empty())
        return fail(cat(path, ": ", unreadable));
    if (::faccessat(AT_FDCWD, path.c_str(), X_OK, AT_EACCESS) != 0)
        return fail(cat(path, ": not executable (", std::strerror(errno), ")"));
    if (char* real = ::realpath(path.c_str(), nullptr)) {
        program.path = real;
        std::free(real);
    }
    program.interp_path = interpreter_of(program.image);
    if (!program.interp_path.empty())
        if (auto unreadable = read_file_at(program.interp_path, program.interp); !unreadable.empty())
            return fail(cat(path, ": its interpreter ", program.interp_path, ": ", unreadable));
    if (auto err = check_executable(program); !err.empty())
        return fail(cat(path, ": ", err));
    return program;
}

CaughtSignals g_signals;

extern "C" void on_stop_signal(int sig) {
    g_signals.stop = sig;
    g_signals.forward.fetch_or(1u << sig, std::memory_order_relaxed);
}

// The request for a temporary enclave of --ncpus/--mem.
Result<CreateOptions> temporary_enclave(const RunOptions& o) {
    CreateOptions options;
    auto n = parse_unsigned(o.ncpus, "--ncpus");
    if (!n)
        return n.error();
    options.request.ncpus = *n;
    auto size = parse_size(o.mem);
    if (!size)
        return size.error();
    options.request.memory = *size;
    auto image = read_image("");
    if (!image)
        return image.error();
    options.image = std::move(*image);
    return options;
}

// A failure of cokernel run itself (not of PROG): prints it, returns exit_launcher.
int launcher_failed(const Error& error) {
    report(error);
    return exit_launcher;
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
        return launcher_failed(user.error());
    auto program = read_program(opts->command.front(), *user);
    if (!program)
        return launcher_failed(program.error());
    if (auto root = require_root(); !root)
        return launcher_failed(root.error());

    JobRequest request;
    request.program = std::move(*program);
    request.user = *user;
    request.poll = opts->wait == "poll";
    request.argv = opts->command;
    request.delegate = opts->delegate;
    request.deny = opts->deny;
    request.stats = opts->stats;
    for (char** e = environ; *e != nullptr; ++e) {
        request.envp.emplace_back(*e);
    }

    inherited_signals(request.sig_ignored, request.sig_blocked); // before the handlers below replace them
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    for (int sig : forwarded_signals)
        sigaction(sig, &sa, nullptr);

    // One device file for everything: a temporary enclave belongs to it, the job is attached through it,
    // and its release (however this process ends) ends the job and destroys the temporary enclave.
    auto client = ModuleClient::open(COKERNEL_DEVICE, proxy_fd_base);
    if (!client)
        return launcher_failed(client.error());
    int id = -1;
    if (!opts->enclave.empty()) {
        auto n = parse_unsigned(opts->enclave, "enclave id");
        if (!n)
            return usage_error("run", n.error().message);
        id = static_cast<int>(*n);
    } else {
        auto options = temporary_enclave(*opts);
        if (!options)
            return launcher_failed(options.error());
        if (auto fit = check_job_fits(request.program, options->request.memory); !fit.empty())
            return launcher_failed(fail(fit));
        auto created = create_enclave(*client, *options);
        if (!created)
            return g_signals.stop != 0 ? 128 + g_signals.stop : launcher_failed(created.error());
        id = created->id;
    }
    const int status = run_job(*client, id, request, g_signals);
    if (g_signals.stop != 0 && status < 0)
        return 128 + g_signals.stop;
    return status < 0 ? exit_launcher : status;
}

} // namespace cokernel

#include "job_proxy.hpp"

#include "channel_servers.hpp"
#include "executor.hpp"
#include "policy.hpp"
#include "program_plan.hpp"
#include "proxy_loop.hpp"

#include <cokernel/abi.h>
#include <cokernel/boot.h>
#include <cokernel/job.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <thread>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

namespace cokernel {
namespace {

// Pauses after the last request before the proxy sleeps (tens of microseconds on hardware; 2000 was too
// few under QEMU TCG, where the proxy then slept between back-to-back requests).
constexpr uint64_t proxy_spins = 20000;

int error(const std::string& message) {
    std::cerr << "cokernel: run: " << message << '\n';
    return -1;
}

class Mapping {
  public:
    Mapping() = default;
    Mapping(void* p, std::size_t n) : p_(p), n_(n) {}
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    ~Mapping() {
        if (p_ != MAP_FAILED && p_ != nullptr)
            ::munmap(p_, n_);
    }
    void reset(void* p, std::size_t n) {
        this->~Mapping();
        p_ = p;
        n_ = n;
    }
    void* get() const { return p_; }
    // Keeps the mapping for the rest of the process's life.
    void release() { p_ = nullptr; }

  private:
    void* p_ = nullptr;
    std::size_t n_ = 0;
};

uint32_t load_state(const cokernel_job* job) {
    return __atomic_load_n(&job->state, __ATOMIC_ACQUIRE);
}

} // namespace

namespace {

// The co-kernel's decision (cokernel/kernel/job.cpp): the loader's plan within the image limit, and the
// images between COKERNEL_JOB_VA_BASE (job-space offset 0) and that limit above it.
std::string plan_job(const Program& program, uint64_t image_limit) {
    ck::elf::LoadOptions opt{};
    opt.memory_limit = image_limit;
    opt.pie_base = COKERNEL_JOB_VA_BASE;
    ck::elf::ProgramPlan plan{};
    const auto* interp = reinterpret_cast<const uint8_t*>(program.interp.data());
    const auto st =
        ck::elf::plan_program(reinterpret_cast<const uint8_t*>(program.image.data()), program.image.size(),
                              program.interp.empty() ? nullptr : interp, program.interp.size(), opt, plan);
    if (!st.ok())
        return plan.interp_failed ? "its interpreter " + program.interp_path + ": " + st.message : st.message;
    if (plan.image_start < COKERNEL_JOB_VA_BASE)
        return "the executable is linked below 0x400000, where a job's memory starts";
    if (plan.image_end - COKERNEL_JOB_VA_BASE > image_limit)
        return "the executable's segments reach " +
               std::to_string((plan.image_end - COKERNEL_JOB_VA_BASE) >> 20) +
               " MiB above 0x400000, more than the " + std::to_string(image_limit >> 20) +
               " MiB a job has for them";
    return "";
}

// The job space of an enclave of mem bytes (its ranges add up to mem, whatever their number).
uint64_t job_space_of(uint64_t mem) {
    const cokernel_mem_range one{0, mem};
    return cokernel_job_space(&one, 1, nullptr);
}

} // namespace

void inherited_signals(std::uint64_t& ignored, std::uint64_t& blocked) {
    ignored = blocked = 0;
    sigset_t mask;
    sigemptyset(&mask);
    sigprocmask(SIG_SETMASK, nullptr, &mask);
    for (int sig = 1; sig <= 64; ++sig) {
        struct sigaction old {};
        if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, nullptr, &old) == 0 &&
            (old.sa_flags & SA_SIGINFO) == 0 && old.sa_handler == SIG_IGN)
            ignored |= UINT64_C(1) << (sig - 1);
        if (sigismember(&mask, sig) == 1)
            blocked |= UINT64_C(1) << (sig - 1);
    }
}

std::string interpreter_of(const std::vector<char>& image) {
    ck::elf::LoadOptions opt{};
    opt.memory_limit = UINT64_C(1) << 46;
    ck::elf::LoadPlan plan{};
    const auto* data = reinterpret_cast<const uint8_t*>(image.data());
    if (!ck::elf::plan_load(data, image.size(), opt, plan).ok() || plan.interp_size == 0)
        return "";
    return std::string(image.data() + plan.interp_offset, plan.interp_size - 1);
}

std::string check_executable(const Program& program) {
    const uint64_t staged = cokernel_job_interp_offset(program.image.size()) - COKERNEL_JOB_ELF_OFFSET;
    if (program.image.size() > COKERNEL_JOB_ELF_MAX ||
        (!program.interp.empty() && program.interp.size() > COKERNEL_JOB_ELF_MAX - staged))
        return "too large: at most " + std::to_string(COKERNEL_JOB_ELF_MAX >> 20) +
               " MiB, its interpreter included";
    return plan_job(program, UINT64_C(1) << 46); // the format only: the enclave's size decides the rest
}

std::string check_job_fits(const Program& program, std::uint64_t enclave_mem) {
    const uint64_t space = job_space_of(enclave_mem);
    if (space == 0)
        return "an enclave of " + std::to_string(enclave_mem >> 20) +
               " MiB has no room for a job; ask for more --mem";
    const uint64_t limit = cokernel_job_image_limit(space);
    if (auto err = plan_job(program, limit); !err.empty())
        return err + " (in an enclave of " + std::to_string(enclave_mem >> 20) + " MiB; ask for more --mem)";
    return "";
}

int run_job(ModuleClient& client, int id, const JobRequest& request, CaughtSignals& signals) {
    const volatile std::sig_atomic_t* stop = &signals.stop;
    ck::deleg::PolicySet policy;
    if (!request.delegate.empty())
        if (auto err = policy.delegate(request.delegate); !err.empty())
            return error(err);
    if (!request.deny.empty())
        if (auto err = policy.deny(request.deny); !err.empty())
            return error(err);

    // What the proxy executes: the user's policy, plus getrandom, which the co-kernel delegates on a CPU
    // without RDRAND (unless the user denied it).
    ck::deleg::PolicySet exec_policy = policy;
    if (exec_policy.effective(318) != ck::deleg::Policy::denied)
        (void)exec_policy.delegate("getrandom");

    // The proxy's file: one per enclave; when it goes away (exit, kill -9) the module ends the job.
    uint64_t region_size = 0;
    uint64_t ctl_offset = 0;
    if (const int e = client.job_attach(id, COKERNEL_JOB_ATTACH_PROXY, region_size, ctl_offset); e != 0) {
        if (e == ENOENT)
            return error("no enclave " + std::to_string(id));
        if (e == ESRCH)
            return error("enclave " + std::to_string(id) + " is not running (cokernel list)");
        if (e == EBUSY)
            return error("enclave " + std::to_string(id) + " is already running a job");
        return error("cannot attach to enclave " + std::to_string(id) + ": " + std::strerror(e));
    }
    if (auto err = plan_job(request.program, cokernel_job_image_limit(region_size)); !err.empty())
        return error(request.argv.front() + ": " + err + " (in enclave " + std::to_string(id) + ")");
    const int dev = client.fd();
    Mapping ctl_map(::mmap(nullptr, COKERNEL_JOB_CTL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, dev,
                           static_cast<off_t>(ctl_offset)),
                    COKERNEL_JOB_CTL_SIZE);
    if (ctl_map.get() == MAP_FAILED)
        return error(std::string("cannot map the job control area: ") + std::strerror(errno));
    // Everything privileged is done: from here on the proxy is the user (docs/run.md, "Privileges").
    if (auto dropped = drop_privileges(request.user); !dropped)
        return error("cannot drop to uid " + std::to_string(request.user.uid) + " (" + request.user.source +
                     "): " + dropped.error().message);
    auto* ctl = static_cast<uint8_t*>(ctl_map.get());
    auto* job = reinterpret_cast<cokernel_job*>(ctl);
    if (job->hdr.signature != COKERNEL_SIGNATURE || job->hdr.revision != COKERNEL_JOB_REVISION ||
        job->hdr.size != sizeof(cokernel_job))
        return error("enclave " + std::to_string(id) +
                     " has no job space (or a co-kernel of another revision)");
    const uint32_t before = load_state(job);
    if (before == COKERNEL_JOB_REQUESTED || before == COKERNEL_JOB_RUNNING)
        return error("enclave " + std::to_string(id) + " is already running a job");

    // The request: executable (and interpreter), argument and environment strings, identity. Sizes
    // checked by check_executable.
    const Program& program = request.program;
    std::memcpy(ctl + COKERNEL_JOB_ELF_OFFSET, program.image.data(), program.image.size());
    std::memcpy(ctl + cokernel_job_interp_offset(program.image.size()), program.interp.data(),
                program.interp.size());
    uint64_t pos = 0;
    auto put = [&](const std::vector<std::string>& list) {
        for (const auto& s : list) {
            if (pos + s.size() + 1 > COKERNEL_JOB_ARGS_SIZE)
                return false;
            std::memcpy(ctl + COKERNEL_JOB_ARGS_OFFSET + pos, s.c_str(), s.size() + 1);
            pos += s.size() + 1;
        }
        return true;
    };
    if (!put(request.argv) || !put(request.envp))
        return error("arguments and environment are larger than " +
                     std::to_string(COKERNEL_JOB_ARGS_SIZE >> 10) + " KiB");
    job->elf_size = program.image.size();
    job->interp_size = static_cast<uint32_t>(program.interp.size());
    job->sig_ignored = request.sig_ignored;
    job->sig_blocked = request.sig_blocked;
    job->argc = static_cast<uint32_t>(request.argv.size());
    job->envc = static_cast<uint32_t>(request.envp.size());
    job->args_size = pos;
    job->pid = static_cast<uint32_t>(::getpid());
    job->uid = ::getuid();
    job->euid = ::geteuid();
    job->gid = ::getgid();
    job->egid = ::getegid();
    // Clocks at one instant (the TSC between the two reads), for the co-kernel's native time calls.
    timespec rt{};
    timespec mono{};
    ::clock_gettime(CLOCK_REALTIME, &rt);
    job->tsc_base = __rdtsc();
    ::clock_gettime(CLOCK_MONOTONIC, &mono);
    job->realtime_ns = static_cast<uint64_t>(rt.tv_sec) * 1000000000u + static_cast<uint64_t>(rt.tv_nsec);
    job->monotonic_ns =
        static_cast<uint64_t>(mono.tv_sec) * 1000000000u + static_cast<uint64_t>(mono.tv_nsec);
    utsname uts{};
    ::uname(&uts);
    static_assert(sizeof uts == COKERNEL_JOB_UTSNAME_SIZE);
    std::memcpy(job->utsname, &uts, sizeof uts);
    // The per-job policy, as bits the co-kernel checks before its own handlers.
    std::memset(job->delegate_native, 0, sizeof job->delegate_native);
    std::memset(job->deny, 0, sizeof job->deny);
    for (uint32_t nr = 0; nr < COKERNEL_JOB_NR_LIMIT; ++nr) {
        const ck::deleg::SyscallInfo* info = ck::deleg::syscall_info(nr);
        if (info == nullptr)
            continue;
        const auto p = policy.effective(nr);
        if (p == ck::deleg::Policy::delegated && info->policy == ck::deleg::Policy::native)
            job->delegate_native[nr / 8] =
                static_cast<uint8_t>(job->delegate_native[nr / 8] | (1u << (nr % 8)));
        if (p == ck::deleg::Policy::denied && info->policy != ck::deleg::Policy::denied)
            job->deny[nr / 8] = static_cast<uint8_t>(job->deny[nr / 8] | (1u << (nr % 8)));
    }
    job->seq = job->seq + 1;
    __atomic_store_n(&job->state, COKERNEL_JOB_REQUESTED, __ATOMIC_RELEASE);

    // The doorbell (a PING from the module) wakes the co-kernel's CPU 0, whose idle loop starts the job.
    if (const int e = client.job_start(); e != 0)
        return error(std::string("cannot reach the co-kernel: ") + std::strerror(e));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (load_state(job) == COKERNEL_JOB_REQUESTED) {
        if (std::chrono::steady_clock::now() > deadline) {
            __atomic_store_n(&job->state, COKERNEL_JOB_IDLE, __ATOMIC_RELEASE);
            return error("the co-kernel did not take the job within 20 s");
        }
        if (*stop != 0)
            return -1;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    if (load_state(job) == COKERNEL_JOB_REFUSED) {
        job->message[sizeof job->message - 1] = 0;
        return error(request.argv.front() + ": refused by the co-kernel: " + job->message);
    }

    // The job's memory at the job's own addresses: pointers in delegated syscalls work unchanged.
    const uint64_t va = job->user_va;
    const uint64_t size = job->user_size;
    Mapping user_map;
    user_map.reset(::mmap(reinterpret_cast<void*>(va), size, PROT_READ | PROT_WRITE,
                          MAP_SHARED | MAP_FIXED_NOREPLACE, dev, 0),
                   size);
    if (user_map.get() != reinterpret_cast<void*>(va)) {
        const int e = errno;
        return error("cannot map the job's memory at 0x" +
                     [&] {
                         char b[32];
                         std::snprintf(b, sizeof b, "%lx", static_cast<unsigned long>(va));
                         return std::string(b);
                     }() +
                     " in this process: " + std::strerror(e) +
                     " (it collides with the launcher's own mappings)");
    }
    // Mapped what it needs: from now on the device file takes nothing but JOB_WAIT, whoever holds it.
    if (const int e = client.job_seal(); e != 0)
        return error(std::string("cannot seal the proxy's device file: ") + std::strerror(e));
    ck::deleg::JobContext context;
    context.memory = {va, size};
    context.fd_limit = proxy_fd_base;
    context.ncpus = job->ncpus; // the job's opens of the CPU files read about the enclave's CPUs
    // The proxy's own descriptors are all open now (the device file): the executor refuses any file the job
    // opens that is one of them, and no descriptor of the job's may land among them (docs/delegation.md,
    // "The proxy's own descriptors").
    auto self = ck::deleg::gather_proxy_self(proxy_fd_base);
    if (!self)
        return error("cannot list this process's descriptors in /proc/self/fd (is /proc mounted?)");
    context.self = *self;
    context.exe = request.program.path; // readlink("/proc/self/exe") names the job's program
    // /proc/self/{cmdline,environ,comm,status,stat,maps} describe the job (self_files.hpp)
    context.argv = request.argv;
    context.envp = request.envp;
    const std::string& filename = request.program.filename;
    context.comm = filename.substr(filename.rfind('/') + 1).substr(0, 15);
    if (auto err = ck::deleg::limit_descriptors(proxy_fd_base); !err.empty())
        return error("cannot keep the job's descriptors below " + std::to_string(proxy_fd_base) + ": " + err);
    // One server thread per channel (channel_servers.hpp); this thread starts them as the job's threads
    // take channels, and watches the job's state and the signals. It sleeps on the same notifications as
    // the servers (a new channel, the job's end), with a bound for signals.
    ServerConfig config;
    config.device_fd = dev;
    config.poll = request.poll;
    config.spins = proxy_spins;
    ChannelServers& servers = ChannelServers::create(ctl, context, exec_policy, config);
    // A server thread blocked in a syscall may still finish it, and write its answer, while this process
    // exits: the control area and the job's memory stay mapped until the end.
    ctl_map.release();
    user_map.release();
    constexpr uint32_t wait_us = 100000;
    uint64_t seen = 0;
    int status = -1;
    for (;;) {
        if (auto err = servers.start_new(__atomic_load_n(&job->nchannels, __ATOMIC_ACQUIRE)); !err.empty())
            std::cerr << "cokernel: run: bad delegation channel (not served): " << err << '\n';
        if (servers.stalled()) {
            error("the delegation channel stalled");
            break;
        }
        if (load_state(job) == COKERNEL_JOB_EXITED) {
            status = job->exit_status;
            break;
        }
        // Signals from Linux go to the job, whose handlers or default actions decide (Linux's semantics). One
        // the co-kernel cannot take ends the job as before: the proxy goes, and the module ends it.
        if (const std::uint32_t sigs = signals.forward.exchange(0); sigs != 0) {
            int refused = 0;
            for (int sig = 1; sig < 32; ++sig)
                if ((sigs & (1u << sig)) != 0 && client.job_signal(sig) != 0)
                    refused = sig;
            if (refused != 0) {
                error(std::string("cannot pass signal ") + std::to_string(refused) +
                      " to the job: ending it");
                break;
            }
        }
        // A signal for a job thread blocked in a delegated call: its server's syscall is interrupted, again
        // every millisecond until it returns (docs/delegation.md, "Signals and blocking calls").
        const bool interrupting = servers.interrupt_requested_calls();
        if (request.poll)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        else
            (void)client.job_wait(interrupting ? 1000 : wait_us,
                                  seen); // EINTR: a signal; the loop looks at stop
    }
    servers.stop(200); // those blocked in a syscall on Linux end with this process
    if (request.stats && status >= 0)
        std::cerr << servers.stats().format_table();
    return status;
}

} // namespace cokernel

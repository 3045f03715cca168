#include "channel_servers.hpp"

#include "channel.hpp"
#include "job_proxy.hpp"
#include "module_client.hpp"
#include "proxy_loop.hpp"

#include <chrono>
#include <csignal>
#include <pthread.h>
#include <thread>

namespace cokernel {

namespace {
extern "C" void on_interrupt_signal(int) {} // its only effect: the server's syscall returns EINTR
} // namespace

int interrupt_signal() {
    return SIGRTMIN + 1; // SIGRTMIN itself is glibc's to hand out first; nothing else of ours uses either
}

struct ChannelServers::Server {
    Server(cokernel_deleg_channel* ch, std::uint32_t slots, const ck::deleg::JobContext& context,
           const ck::deleg::PolicySet& policy)
        : channel(ch), end(ch, slots), executor(context, policy) {}
    cokernel_deleg_channel* channel;
    ck::deleg::ProxyEnd end;
    ck::deleg::Executor executor;
    std::atomic<std::uint64_t> busy{0}; // seq of the request it executes (serve_one), 0 between requests
    pthread_t thread{};
    std::atomic<bool> done{false}; // its thread left its loop
};

ChannelServers& ChannelServers::create(std::uint8_t* control_area, const ck::deleg::JobContext& context,
                                       const ck::deleg::PolicySet& policy, const ServerConfig& config) {
    // Never freed (see the header); kept reachable from here, so leak checkers see it is held on purpose.
    struct sigaction sa {};
    sa.sa_handler = on_interrupt_signal; // no SA_RESTART: the interrupted syscall returns EINTR
    sigemptyset(&sa.sa_mask);
    sigaction(interrupt_signal(), &sa, nullptr);
    static auto* const all = new std::vector<ChannelServers*>;
    all->push_back(new ChannelServers(control_area, context, policy, config));
    return *all->back();
}

ChannelServers::ChannelServers(std::uint8_t* control_area, const ck::deleg::JobContext& context,
                               const ck::deleg::PolicySet& policy, const ServerConfig& config)
    : ctl_(control_area), context_(context), policy_(policy), config_(config),
      servers_(COKERNEL_JOB_MAX_THREADS), tried_(COKERNEL_JOB_MAX_THREADS, false) {}

std::string ChannelServers::start_new(std::uint32_t nchannels) {
    std::string err;
    if (nchannels > COKERNEL_JOB_MAX_THREADS)
        nchannels = COKERNEL_JOB_MAX_THREADS; // the co-kernel's count is untrusted: the table has no more
    for (std::uint32_t i = 0; i < nchannels; ++i) {
        if (tried_[i])
            continue;
        tried_[i] = true;
        auto* ch = reinterpret_cast<cokernel_deleg_channel*>(ctl_ + COKERNEL_JOB_CHANNELS_OFFSET +
                                                             i * COKERNEL_JOB_CHANNEL_SIZE);
        std::uint32_t slots = 0;
        if (auto e = ck::deleg::channel_check(ch, COKERNEL_JOB_CHANNEL_SIZE, &slots);
            e != ck::deleg::ChannelError::ok) {
            err += (err.empty() ? "" : "; ") + std::string("channel ") + std::to_string(i) + ": " +
                   ck::deleg::to_string(e);
            continue;
        }
        servers_[i] = std::make_unique<Server>(ch, slots, context_, policy_);
        Server* s = servers_[i].get();
        std::thread t([this, s] {
            // The signals cokernel run passes on to the job go to its main thread (run_job), never here: a
            // server blocked in a syscall for the job is not interrupted by them.
            sigset_t mask;
            sigemptyset(&mask);
            for (int sig : forwarded_signals)
                sigaddset(&mask, sig);
            pthread_sigmask(SIG_BLOCK, &mask, nullptr);
            serve(*s);
        });
        s->thread = t.native_handle();
        t.detach();
    }
    return err;
}

// Today's loop of one channel: serve; spin a while after the last request; then set the ring's sleep word,
// look once more and sleep in JOB_WAIT until the co-kernel notifies (docs/run.md, "Waiting and
// notification"). Every server sleeps on the same notifications (the module wakes all waiters); each looks
// at its own ring.
void ChannelServers::serve(Server& s) {
    constexpr std::uint32_t wait_us = 100000; // a bound only: a notification ends the wait
    std::uint64_t seen =
        0; // the first wait returns at once with the current count (the job's start notified)
    std::uint64_t idle = 0;
    while (!quit_.load(std::memory_order_acquire)) {
        const auto served = ck::deleg::serve_one(s.end, s.executor, &s.busy);
        if (served == ck::deleg::ServeStatus::served) {
            idle = 0;
            continue;
        }
        if (served == ck::deleg::ServeStatus::stalled) {
            stalled_.store(true, std::memory_order_release);
            break;
        }
        if (++idle < config_.spins) {
            ck::deleg::cpu_relax();
            continue;
        }
        if (config_.poll) {
            std::this_thread::sleep_for(std::chrono::microseconds(50));
            continue;
        }
        s.end.requests.announce_sleep(true);
        if (!s.end.requests.ready() && !quit_.load(std::memory_order_acquire))
            (void)job_wait_on(config_.device_fd, wait_us, seen);
        s.end.requests.announce_sleep(false);
    }
    s.done.store(true, std::memory_order_release);
}

bool ChannelServers::interrupt_requested_calls() {
    bool pending = false;
    for (const auto& s : servers_) {
        if (!s || s->done.load(std::memory_order_acquire))
            continue;
        const std::uint64_t want = ck::deleg::interrupt_requested(s->channel);
        if (want != 0 && want == s->busy.load(std::memory_order_acquire)) {
            pthread_kill(s->thread, interrupt_signal());
            pending = true;
        }
    }
    return pending;
}

void ChannelServers::stop(unsigned timeout_ms) {
    quit_.store(true, std::memory_order_release);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (const auto& s : servers_) {
        while (s && !s->done.load(std::memory_order_acquire) && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

ck::deleg::SyscallStats ChannelServers::stats() const {
    ck::deleg::SyscallStats sum;
    for (const auto& s : servers_)
        if (s && s->done.load(std::memory_order_acquire))
            sum.merge(s->executor.stats());
    return sum;
}

} // namespace cokernel

// Round trip between two threads (the co-kernel side and the proxy side) through the delegation ring, next
// to the floor (one cache line each way) and to Linux's own mechanisms: a pipe pair, an eventfd pair, a futex
// pair and boost::interprocess::message_queue. Counter x_floor = round trip / floor round trip of this run.
// The two threads are pinned to two different CPUs when there are two. Method: docs/performance.md.
#include "channel.hpp"
#include "client.hpp"
#include "executor.hpp"
#include "host_wait.hpp"
#include "policy.hpp"

#include <benchmark/benchmark.h>
#include <boost/interprocess/ipc/message_queue.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstring>
#include <linux/futex.h>
#include <new>
#include <pthread.h>
#include <sched.h>
#include <string>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using namespace ck::deleg;
using Clock = std::chrono::steady_clock;

double g_floor_ns = 0; // set by BM_Floor, which runs first

// The first two CPUs this process may use, or -1.
std::vector<int> two_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> cpus;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        for (size_t c = 0; c < CPU_SETSIZE && cpus.size() < 2; ++c) {
            if (CPU_ISSET(c, &set)) {
                cpus.push_back(static_cast<int>(c));
            }
        }
    }
    return cpus;
}

void pin(pthread_t t, int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(static_cast<size_t>(cpu), &set);
    (void)pthread_setaffinity_np(t, sizeof set, &set);
}

// Runs the client loop on the benchmark thread and server() on a second thread, pinned apart; reports the
// mean round trip and its ratio to the floor.
template <class Server, class Client, class Stop>
void run_pair(benchmark::State& state, Server server, Client client, Stop stop) {
    const std::vector<int> cpus = two_cpus();
    cpu_set_t saved;
    (void)sched_getaffinity(0, sizeof saved, &saved);
    std::thread peer(server);
    if (cpus.size() == 2) {
        pin(pthread_self(), cpus[0]);
        pin(peer.native_handle(), cpus[1]);
    }
    client(uint64_t{0}); // warm: both threads running
    uint64_t i = 1;
    const auto t0 = Clock::now();
    for (auto _ : state) {
        client(i++);
    }
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
    stop();
    peer.join();
    (void)sched_setaffinity(0, sizeof saved, &saved);
    const double per = ns / static_cast<double>(state.iterations());
    state.counters["rtt_ns"] = per;
    state.counters["x_floor"] = g_floor_ns > 0 ? per / g_floor_ns : 0;
    state.counters["pinned"] = cpus.size() == 2 ? 1 : 0;
}

struct alignas(64) Line {
    std::atomic<uint64_t> v{0};
    char pad[56];
};

void BM_Floor_CacheLinePingPong(benchmark::State& state) {
    Line ping, pong;
    constexpr uint64_t stop_value = ~uint64_t{0};
    run_pair(
        state,
        [&] {
            for (uint64_t last = 0;;) {
                uint64_t v;
                while ((v = ping.v.load(std::memory_order_acquire)) == last) {
                    cpu_relax();
                }
                if (v == stop_value) {
                    return;
                }
                pong.v.store(v, std::memory_order_release);
                last = v;
            }
        },
        [&](uint64_t i) {
            ping.v.store(i + 1, std::memory_order_release);
            while (pong.v.load(std::memory_order_acquire) != i + 1) {
                cpu_relax();
            }
        },
        [&] { ping.v.store(stop_value, std::memory_order_release); });
    g_floor_ns = state.counters["rtt_ns"];
    state.counters["x_floor"] = 1;
}

struct ChannelMem {
    explicit ChannelMem(uint32_t slots)
        : size(channel_area_size(slots)), p(::operator new (size, std::align_val_t{64})) {
        (void)channel_init(p, size, slots, 0);
    }
    ~ChannelMem() { ::operator delete (p, std::align_val_t{64}); }
    cokernel_deleg_channel* ch() const { return static_cast<cokernel_deleg_channel*>(p); }
    uint64_t size;
    void* p;
};

constexpr uint32_t nr_stop = 0xffffffffu;

// The ring alone: the proxy answers every request with its seq, no syscall.
void BM_Ring(benchmark::State& state) {
    ChannelMem mem(8);
    CokernelEnd ck(mem.ch(), 8);
    WaitConfig spin;
    spin.block = false;
    spin.spins = UINT64_MAX;
    run_pair(
        state,
        [&] {
            ProxyEnd px(mem.ch(), 8);
            for (;;) {
                cokernel_deleg_request req{};
                while (!px.requests.try_pop(req)) {
                    cpu_relax();
                }
                if (req.nr == nr_stop) {
                    return;
                }
                cokernel_deleg_response resp{};
                resp.req_seq = req.seq;
                resp.ret = static_cast<int64_t>(req.args[0]);
                (void)px.responses.try_push(resp);
            }
        },
        [&](uint64_t i) {
            const uint64_t args[COKERNEL_DELEG_NARGS] = {i, 0, 0, 0, 0, 0};
            benchmark::DoNotOptimize(delegate_call(
                ck, 1, args, [](RingProducer<cokernel_deleg_request>&) {},
                [](RingConsumer<cokernel_deleg_response>& c) { return spin_until_ready(c, 0); }));
        },
        [&] {
            const uint64_t args[COKERNEL_DELEG_NARGS] = {};
            (void)delegate_call(
                ck, nr_stop, args, [](RingProducer<cokernel_deleg_request>&) {},
                [](RingConsumer<cokernel_deleg_response>& c) { return spin_until_ready(c, 1u << 24); });
        });
}

// The whole delegated path: ring + policy + validation + syscall(getppid) + statistics.
void BM_Ring_DelegatedGetppid(benchmark::State& state) {
    ChannelMem mem(8);
    CokernelEnd ck(mem.ch(), 8);
    PolicySet policy;
    std::vector<uint64_t> job(1024);
    ck::deleg::JobContext context;
    context.memory = {reinterpret_cast<uintptr_t>(job.data()), job.size() * 8};
    Executor ex(context, policy);
    run_pair(
        state,
        [&] {
            ProxyEnd px(mem.ch(), 8);
            for (;;) {
                cokernel_deleg_request req{};
                while (!px.requests.try_pop(req)) {
                    cpu_relax();
                }
                cokernel_deleg_response resp{};
                resp.req_seq = req.seq;
                resp.ret = req.nr == nr_stop ? 0 : ex.execute(req);
                (void)px.responses.try_push(resp);
                if (req.nr == nr_stop) {
                    return;
                }
            }
        },
        [&](uint64_t) {
            const uint64_t args[COKERNEL_DELEG_NARGS] = {};
            benchmark::DoNotOptimize(delegate_call(
                ck, SYS_getppid, args, [](RingProducer<cokernel_deleg_request>&) {},
                [](RingConsumer<cokernel_deleg_response>& c) { return spin_until_ready(c, 0); }));
        },
        [&] {
            const uint64_t args[COKERNEL_DELEG_NARGS] = {};
            (void)delegate_call(
                ck, nr_stop, args, [](RingProducer<cokernel_deleg_request>&) {},
                [](RingConsumer<cokernel_deleg_response>& c) { return spin_until_ready(c, 1u << 24); });
        });
}

void BM_PipePair(benchmark::State& state) {
    int to[2], from[2];
    if (pipe(to) != 0 || pipe(from) != 0) {
        state.SkipWithError("pipe");
        return;
    }
    run_pair(
        state,
        [&] {
            uint64_t v;
            while (read(to[0], &v, sizeof v) == sizeof v) {
                (void)!write(from[1], &v, sizeof v);
            }
        },
        [&](uint64_t i) {
            (void)!write(to[1], &i, sizeof i);
            (void)!read(from[0], &i, sizeof i);
        },
        [&] { close(to[1]); });
    close(to[0]);
    close(from[0]);
    close(from[1]);
}

void BM_EventfdPair(benchmark::State& state) {
    const int to = eventfd(0, 0), from = eventfd(0, 0);
    constexpr uint64_t stop_value = 2;
    run_pair(
        state,
        [&] {
            uint64_t v = 0;
            while (read(to, &v, sizeof v) == sizeof v && v != stop_value) {
                const uint64_t one = 1;
                (void)!write(from, &one, sizeof one);
            }
        },
        [&](uint64_t) {
            uint64_t v = 1;
            (void)!write(to, &v, sizeof v);
            (void)!read(from, &v, sizeof v);
        },
        [&] { (void)!write(to, &stop_value, sizeof stop_value); });
    close(to);
    close(from);
}

long futex(std::atomic<uint32_t>* w, int op, uint32_t val) {
    return syscall(SYS_futex, reinterpret_cast<uint32_t*>(w), op, val, nullptr, nullptr, 0);
}

// Each side sleeps in FUTEX_WAIT until the other flips its word and wakes it.
void BM_FutexPair(benchmark::State& state) {
    std::atomic<uint32_t> ping{0}, pong{0};
    constexpr uint32_t stop_value = 0xffffffffu;
    run_pair(
        state,
        [&] {
            for (uint32_t last = 0;;) {
                uint32_t v;
                while ((v = ping.load(std::memory_order_acquire)) == last) {
                    futex(&ping, FUTEX_WAIT_PRIVATE, last);
                }
                if (v == stop_value) {
                    return;
                }
                pong.store(v, std::memory_order_release);
                futex(&pong, FUTEX_WAKE_PRIVATE, 1);
                last = v;
            }
        },
        [&](uint64_t i) {
            const auto v = static_cast<uint32_t>(i % 0x7fffffffu) + 1u;
            ping.store(v, std::memory_order_release);
            futex(&ping, FUTEX_WAKE_PRIVATE, 1);
            uint32_t seen;
            while ((seen = pong.load(std::memory_order_acquire)) != v) {
                futex(&pong, FUTEX_WAIT_PRIVATE, seen);
            }
        },
        [&] {
            ping.store(stop_value, std::memory_order_release);
            futex(&ping, FUTEX_WAKE_PRIVATE, 1);
        });
}

void BM_BoostMessageQueue(benchmark::State& state) {
    namespace bip = boost::interprocess;
    const std::string tag = std::to_string(getpid());
    const std::string to_name = "ck_bench_to_" + tag, from_name = "ck_bench_from_" + tag;
    bip::message_queue::remove(to_name.c_str());
    bip::message_queue::remove(from_name.c_str());
    {
        bip::message_queue to(bip::create_only, to_name.c_str(), 8, sizeof(uint64_t));
        bip::message_queue from(bip::create_only, from_name.c_str(), 8, sizeof(uint64_t));
        constexpr uint64_t stop_value = ~uint64_t{0};
        run_pair(
            state,
            [&] {
                for (;;) {
                    uint64_t v = 0;
                    bip::message_queue::size_type got = 0;
                    unsigned prio = 0;
                    to.receive(&v, sizeof v, got, prio);
                    if (v == stop_value) {
                        return;
                    }
                    from.send(&v, sizeof v, 0);
                }
            },
            [&](uint64_t i) {
                to.send(&i, sizeof i, 0);
                bip::message_queue::size_type got = 0;
                unsigned prio = 0;
                from.receive(&i, sizeof i, got, prio);
            },
            [&] { to.send(&stop_value, sizeof stop_value, 0); });
    }
    bip::message_queue::remove(to_name.c_str());
    bip::message_queue::remove(from_name.c_str());
}

// For scale: the same syscall made directly (one thread, no round trip).
void BM_DirectGetppid(benchmark::State& state) {
    const auto t0 = Clock::now();
    for (auto _ : state) {
        benchmark::DoNotOptimize(syscall(SYS_getppid));
    }
    const double per = std::chrono::duration<double, std::nano>(Clock::now() - t0).count() /
                       static_cast<double>(state.iterations());
    state.counters["rtt_ns"] = per;
    state.counters["x_floor"] = g_floor_ns > 0 ? per / g_floor_ns : 0;
}

} // namespace

// Registration order is run order: the floor first.
BENCHMARK(BM_Floor_CacheLinePingPong)->UseRealTime();
BENCHMARK(BM_Ring)->UseRealTime();
BENCHMARK(BM_Ring_DelegatedGetppid)->UseRealTime();
BENCHMARK(BM_FutexPair)->UseRealTime();
BENCHMARK(BM_EventfdPair)->UseRealTime();
BENCHMARK(BM_PipePair)->UseRealTime();
BENCHMARK(BM_BoostMessageQueue)->UseRealTime();
BENCHMARK(BM_DirectGetppid)->UseRealTime();

BENCHMARK_MAIN();

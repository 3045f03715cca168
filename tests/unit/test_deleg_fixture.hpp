#pragma once
// Shared pieces of the delegation tests: a channel in 64-byte aligned memory, a buffer standing in for the
// job's memory, and a proxy serving the channel on its own thread.
#include "channel.hpp"
#include "client.hpp"
#include "executor.hpp"
#include "host_wait.hpp"
#include "proxy_loop.hpp"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <unistd.h>

namespace deleg_test {

using namespace ck::deleg;

// 64-byte aligned, zeroed bytes.
struct Aligned {
    explicit Aligned(size_t n) : size(n), p(static_cast<uint8_t*>(::operator new (n, std::align_val_t{64}))) {
        std::memset(p, 0, n);
    }
    ~Aligned() { ::operator delete (p, std::align_val_t{64}); }
    Aligned(const Aligned&) = delete;
    Aligned& operator=(const Aligned&) = delete;
    size_t size;
    uint8_t* p;
};

struct Channel {
    explicit Channel(uint32_t slots = 8) : mem(channel_area_size(slots)) {
        (void)channel_init(mem.p, mem.size, slots, 0);
    }
    cokernel_deleg_channel* ch() { return reinterpret_cast<cokernel_deleg_channel*>(mem.p); }
    Aligned mem;
};

// The job's memory: a bump allocator over one buffer.
struct JobArena {
    explicit JobArena(size_t n = 1 << 20) : mem(n) {}
    JobMemory region() const { return {reinterpret_cast<uintptr_t>(mem.p), mem.size}; }
    void* alloc(size_t n) {
        void* r = mem.p + used;
        used += (n + 63) & ~size_t{63};
        return r;
    }
    uint64_t str(const std::string& s) {
        auto* p = static_cast<char*>(alloc(s.size() + 1));
        std::memcpy(p, s.c_str(), s.size() + 1);
        return addr(p);
    }
    static uint64_t addr(const void* p) { return reinterpret_cast<uintptr_t>(p); }
    Aligned mem;
    size_t used = 0;
};

// What the proxy checks against: the job's memory, fd_limit, and this process as the proxy (no reserved
// descriptors unless a test adds them).
inline JobContext job_context(JobMemory memory, int fd_limit) {
    JobContext c;
    c.memory = memory;
    c.fd_limit = fd_limit;
    c.self.pid = static_cast<int>(::getpid());
    return c;
}

// A kernel that records the last call and answers `result` (a stand-in to see what the proxy hands Linux).
struct RecordingKernel final : Kernel {
    int64_t call(uint64_t nr, const uint64_t (&a)[6]) override {
        last_nr = nr;
        std::memcpy(args, a, sizeof args);
        ++calls;
        return result;
    }
    int identify(int, FileIdentity& id) override {
        id = {};
        return 0;
    }
    int64_t fs_type(int) override { return 0; }
    int64_t fd_path(int, char*, size_t) override { return -ENOENT; }
    bool own_task(int) override { return false; }
    void close(int fd) override { closed = fd; }
    uint64_t last_nr = 0;
    uint64_t args[6] = {};
    int calls = 0;
    int closed = -1;
    int64_t result = 0;
};

// One request, executed directly (no channel).
inline int64_t execute(Executor& ex, uint32_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0,
                       uint64_t a3 = 0, uint64_t a4 = 0, uint64_t a5 = 0) {
    cokernel_deleg_request r{};
    r.nr = nr;
    const uint64_t args[6] = {a0, a1, a2, a3, a4, a5};
    std::memcpy(r.args, args, sizeof args);
    return ex.execute(r);
}

// A proxy serving a channel on its own thread; the test thread plays the co-kernel through call().
class ProxyThread {
  public:
    ProxyThread(Channel& c, JobContext job, const PolicySet& policy)
        : executor_(job, policy), cokernel_(c.ch(), c.ch()->slots) {
        uint32_t slots = 0;
        check_ = channel_check(c.ch(), c.mem.size, &slots);
        thread_ = std::thread([this, &c, slots] {
            ProxyEnd end(c.ch(), slots);
            served_ = serve(end, executor_, WaitConfig{}, stop_);
        });
    }
    ~ProxyThread() { stop(); }
    uint64_t stop() {
        if (thread_.joinable()) {
            stop_ = true;
            thread_.join();
        }
        return served_;
    }
    int64_t call(uint32_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
                 uint64_t a4 = 0, uint64_t a5 = 0) {
        const uint64_t args[COKERNEL_DELEG_NARGS] = {a0, a1, a2, a3, a4, a5};
        return delegate_call(
            cokernel_, nr, args, [](RingProducer<cokernel_deleg_request>& p) { wake_consumer(p); },
            [](RingConsumer<cokernel_deleg_response>& c) { return wait_ready(c, WaitConfig{}, nullptr); });
    }
    const Executor& executor() const { return executor_; }
    ChannelError check() const { return check_; }

  private:
    Executor executor_;
    CokernelEnd cokernel_;
    ChannelError check_ = ChannelError::ok;
    std::atomic<bool> stop_{false};
    uint64_t served_ = 0;
    std::thread thread_;
};

} // namespace deleg_test

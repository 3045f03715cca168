// The proxy's one thread per channel (launcher/src/channel_servers.hpp): a delegated call that blocks on
// Linux holds up its own channel only, channels that appear later get a server, and bad ones are refused.
#include "channel_servers.hpp"
#include "test_deleg_fixture.hpp"

#include <catch2/catch.hpp>
#include <cokernel/job.h>

#include <chrono>
#include <sys/syscall.h>

using namespace deleg_test;

namespace {

// A control area's channel table, set up the way the co-kernel does it (slot i at its offset).
struct ControlArea {
    ControlArea()
        : mem(COKERNEL_JOB_CHANNELS_OFFSET + COKERNEL_JOB_MAX_THREADS * COKERNEL_JOB_CHANNEL_SIZE) {}
    cokernel_deleg_channel* channel(uint32_t i) {
        return reinterpret_cast<cokernel_deleg_channel*>(mem.p + COKERNEL_JOB_CHANNELS_OFFSET +
                                                         i * COKERNEL_JOB_CHANNEL_SIZE);
    }
    CokernelEnd set_up(uint32_t i) {
        REQUIRE(channel_init(channel(i), COKERNEL_JOB_CHANNEL_SIZE, COKERNEL_JOB_CHANNEL_SLOTS, i) ==
                ChannelError::ok);
        return CokernelEnd(channel(i), COKERNEL_JOB_CHANNEL_SLOTS);
    }
    Aligned mem;
};

cokernel_deleg_request request(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2) {
    cokernel_deleg_request r{};
    r.nr = nr;
    r.args[0] = a0;
    r.args[1] = a1;
    r.args[2] = a2;
    return r;
}

// The answer on end within about 10 s (the test fails rather than hangs when there is none).
bool answer_within(CokernelEnd& end, cokernel_deleg_response& resp, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!end.responses.try_pop(resp)) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

} // namespace

TEST_CASE("a read blocked on one channel does not hold up a write on another", "[channel_servers]") {
    // The area and the job's memory outlive the detached servers (as in the proxy).
    static ControlArea area_storage;
    static JobArena arena_storage;
    ControlArea* area = &area_storage;
    JobArena* arena = &arena_storage;
    int idle[2];
    int out[2];
    REQUIRE(::pipe(idle) == 0);
    REQUIRE(::pipe(out) == 0);
    ck::deleg::PolicySet policy;
    cokernel::ServerConfig config;
    config.poll = true; // no device file here
    config.spins = 100;
    auto& servers =
        cokernel::ChannelServers::create(area->mem.p, job_context(arena->region(), 1 << 16), policy, config);
    CokernelEnd reader = area->set_up(0);
    CokernelEnd writer = area->set_up(1);
    REQUIRE(servers.start_new(2).empty());
    CHECK(servers.count() == COKERNEL_JOB_MAX_THREADS);

    char* buf = static_cast<char*>(arena->alloc(16));
    std::memcpy(buf, "hello", 5);
    REQUIRE(reader.requests.try_push(
                request(SYS_read, static_cast<uint64_t>(idle[0]), JobArena::addr(buf), 1)) != 0);
    REQUIRE(writer.requests.try_push(
                request(SYS_write, static_cast<uint64_t>(out[1]), JobArena::addr(buf), 5)) != 0);
    cokernel_deleg_response resp{};
    REQUIRE(answer_within(writer, resp, std::chrono::seconds(10)));
    CHECK(resp.ret == 5);
    char got[8] = {};
    CHECK(::read(out[0], got, sizeof got) == 5);
    CHECK(std::string(got, 5) == "hello");
    CHECK_FALSE(reader.responses.try_pop(resp)); // still blocked in read()

    // Channels set up later (the co-kernel raised nchannels; it takes slots lowest first) are served too.
    for (uint32_t i = 2; i < 5; ++i)
        (void)area->set_up(i);
    CokernelEnd late = area->set_up(5);
    REQUIRE(servers.start_new(6).empty());
    REQUIRE(late.requests.try_push(request(SYS_getppid, 0, 0, 0)) != 0);
    REQUIRE(answer_within(late, resp, std::chrono::seconds(10)));
    CHECK(resp.ret == ::getppid());

    REQUIRE(::write(idle[1], "x", 1) == 1); // the blocked read returns
    REQUIRE(answer_within(reader, resp, std::chrono::seconds(10)));
    CHECK(resp.ret == 1);
    servers.stop(2000);
    CHECK(servers.stats().cell(SYS_write, ck::deleg::Path::delegated).count == 1);
    CHECK(servers.stats().cell(SYS_read, ck::deleg::Path::delegated).count == 1);
    CHECK(servers.stats().cell(SYS_getppid, ck::deleg::Path::delegated).count == 1);
    for (int fd : {idle[0], idle[1], out[0], out[1]})
        ::close(fd);
}

TEST_CASE("a channel whose header does not check is refused once, not served", "[channel_servers]") {
    static ControlArea area_storage;
    static JobArena arena_storage;
    ControlArea* area = &area_storage;
    JobArena* arena = &arena_storage;
    ck::deleg::PolicySet policy;
    cokernel::ServerConfig config;
    config.poll = true;
    auto& servers =
        cokernel::ChannelServers::create(area->mem.p, job_context(arena->region(), 1 << 16), policy, config);
    (void)area->set_up(0);
    // Channel 1 never set up (no signature); an nchannels past the table is clamped to it.
    const std::string err = servers.start_new(1000);
    CHECK(err.find("channel 1: bad signature") != std::string::npos);
    CHECK(servers.start_new(1000).empty()); // said once
    servers.stop(1000);
}

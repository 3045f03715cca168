// The delegation channel (delegation/channel.hpp, ring.hpp): header checks, ring order, full ring,
// wrap-around, a concurrent producer and consumer, the blocking fallback, and a peer that writes garbage.
#include "test_deleg_fixture.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <vector>

using namespace deleg_test;

TEST_CASE("channel header: set up, then every field checked", "[deleg][channel]") {
    Channel c(16);
    uint32_t slots = 0;
    CHECK(channel_check(c.ch(), c.mem.size, &slots) == ChannelError::ok);
    CHECK(slots == 16);
    CHECK(c.ch()->area_size == 448 + 16 * 128);

    CHECK(channel_check(c.ch(), 100, &slots) == ChannelError::too_small);
    CHECK(channel_check(c.mem.p + 8, c.mem.size - 8, &slots) == ChannelError::misaligned);
    CHECK(channel_check(c.ch(), c.mem.size - 1, &slots) == ChannelError::bad_area_size);
    c.ch()->hdr.signature ^= 1;
    CHECK(channel_check(c.ch(), c.mem.size, &slots) == ChannelError::bad_signature);
    c.ch()->hdr.signature ^= 1;
    c.ch()->hdr.revision = COKERNEL_DELEG_REVISION + 1;
    CHECK(channel_check(c.ch(), c.mem.size, &slots) == ChannelError::bad_revision);
    CHECK(std::string(to_string(ChannelError::bad_revision)) == "channel revision mismatch");
    c.ch()->hdr.revision = COKERNEL_DELEG_REVISION;
    c.ch()->hdr.size = 64;
    CHECK(channel_check(c.ch(), c.mem.size, &slots) == ChannelError::bad_header_size);
    c.ch()->hdr.size = sizeof(cokernel_deleg_channel);
    c.ch()->slots = 12;
    CHECK(channel_check(c.ch(), c.mem.size, &slots) == ChannelError::bad_slots);
    c.ch()->slots = 32; // area_size no longer matches
    CHECK(channel_check(c.ch(), c.mem.size, &slots) == ChannelError::bad_area_size);
    CHECK(slots == 16); // untouched on failure

    Aligned m(4096);
    CHECK(channel_init(m.p, m.size, 0, 0) == ChannelError::bad_slots);
    CHECK(channel_init(m.p, m.size, 8192, 0) == ChannelError::bad_slots);
    CHECK(channel_init(m.p, 448, 1, 0) == ChannelError::too_small);
}

TEST_CASE("ring: order, full, wrap-around, sequence numbers", "[deleg][ring]") {
    Channel c(4);
    CokernelEnd ck(c.ch(), 4);
    ProxyEnd px(c.ch(), 4);
    cokernel_deleg_request r{};
    CHECK_FALSE(px.requests.try_pop(r));
    for (uint64_t round = 0; round < 5; ++round) {
        for (uint32_t i = 0; i < 4; ++i) {
            r.nr = i;
            r.args[5] = round;
            CHECK(ck.requests.try_push(r) == round * 4 + i + 1);
        }
        CHECK(ck.requests.try_push(r) == 0); // full
        for (uint32_t i = 0; i < 4; ++i) {
            cokernel_deleg_request got{};
            REQUIRE(px.requests.try_pop(got));
            CHECK(got.nr == i);
            CHECK(got.args[5] == round);
            CHECK(got.seq == round * 4 + i + 1);
        }
        CHECK_FALSE(px.requests.try_pop(r));
    }
    CHECK(c.ch()->req.head.value == 20);
    CHECK(c.ch()->req.tail.value == 20);
}

TEST_CASE("ring: a producer and a consumer on two threads lose and reorder nothing", "[deleg][ring]") {
    Channel c(8);
    constexpr uint64_t n = 200000;
    std::thread producer([&] {
        CokernelEnd ck(c.ch(), 8);
        cokernel_deleg_request r{};
        for (uint64_t i = 0; i < n; ++i) {
            r.args[0] = i * 3;
            while (ck.requests.try_push(r) == 0) {
                cpu_relax();
            }
            wake_consumer(ck.requests);
        }
    });
    ProxyEnd px(c.ch(), 8);
    uint64_t bad = 0;
    WaitConfig wait;
    wait.spins = 64; // exercise the futex path too
    for (uint64_t i = 0; i < n; ++i) {
        cokernel_deleg_request got{};
        REQUIRE(wait_ready(px.requests, wait, nullptr));
        REQUIRE(px.requests.try_pop(got));
        bad += got.args[0] != i * 3 || got.seq != i + 1;
    }
    producer.join();
    CHECK(bad == 0);
}

TEST_CASE("ring: a blocked consumer is woken by the producer", "[deleg][ring]") {
    Channel c(2);
    ProxyEnd px(c.ch(), 2);
    std::atomic<bool> got{false};
    std::thread consumer([&] {
        WaitConfig wait;
        wait.spins = 1;
        wait.slice_ns = 10'000'000'000; // a missed wake would hang the test for 10 s
        got = wait_ready(px.requests, wait, nullptr);
    });
    while (__atomic_load_n(&c.ch()->req.sleep.value, __ATOMIC_ACQUIRE) == 0) {
        std::this_thread::yield();
    }
    const auto t0 = std::chrono::steady_clock::now();
    CokernelEnd ck(c.ch(), 2);
    CHECK(ck.requests.try_push(cokernel_deleg_request{}) == 1);
    wake_consumer(ck.requests);
    consumer.join();
    CHECK(got);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
}

TEST_CASE("ring: garbage from the peer is never taken for a request", "[deleg][ring]") {
    Channel c(8);
    std::mt19937_64 rng(42);
    for (int round = 0; round < 2000; ++round) {
        // the co-kernel side scribbles on its ring: slots, cursors, everything
        auto* words = reinterpret_cast<uint64_t*>(c.mem.p + 64);
        for (size_t i = 0; i < (c.mem.size - 64) / 8; ++i) {
            if (rng() % 4 == 0) {
                words[i] = rng() % 3 == 0 ? rng() % 16 : rng();
            }
        }
        ProxyEnd px(c.ch(), 8);
        cokernel_deleg_request r{};
        // whatever the garbage, a popped slot carries exactly the seq the consumer expected
        const uint64_t expect = px.requests.position() + 1;
        if (px.requests.try_pop(r)) {
            CHECK(r.seq == expect);
        }
        const uint64_t pushed = px.responses.try_push(cokernel_deleg_response{});
        CHECK((pushed == 0 || pushed == px.responses.position()));
    }
}

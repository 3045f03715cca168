// The module's reader of the co-kernel's console ring (linux-module/console_ring.h, the code console.c runs)
// against the co-kernel's own writer (cokernel/lib/console_ring.hpp, through the fixture of
// test_console_ring.cpp), and against whatever a broken or hostile co-kernel leaves in head and reserve.
#include "console_ring_fixture.hpp"
#include "linux-module/console_ring.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

using ck_test::Ring;

namespace {

__extension__ typedef unsigned __int128 u128;

// What the honest writer stores at ring position p: a hash, so that a byte of another lap never matches.
uint8_t byte_at(uint64_t p) {
    p += 0x9e3779b97f4a7c15ULL;
    p = (p ^ (p >> 30)) * 0xbf58476d1ce4e5b9ULL;
    p = (p ^ (p >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<uint8_t>(p ^ (p >> 31));
}

// Writes n bytes with the co-kernel's writer, each the byte_at() of its position.
void write_positions(Ring& ring, uint64_t n) {
    std::string s(n, '\0');
    const uint64_t head = ring.header()->head;
    for (uint64_t i = 0; i < n; ++i) {
        s[i] = static_cast<char>(byte_at(head + i));
    }
    ring.write(s);
}

struct Read {
    ck_console_window w;
    std::vector<uint8_t> bytes; // exactly w.n
};

// One COKERNEL_IOC_CONSOLE as console.c does it, into a buffer of exactly room bytes.
Read module_read(Ring& ring, uint64_t pos, uint64_t room) {
    std::vector<uint8_t> buf(room);
    ck_console_window w{};
    ck_console_copy(ring.header(), ring.data(), ring.header()->size, pos, room, buf.data(), &w);
    buf.resize(w.n);
    return {w, buf};
}

// What holds for any read whatever the co-kernel wrote, for a reader at pos asking for room bytes.
void check_window(const ck_console_window& w, uint64_t head, uint64_t size, uint64_t pos, uint64_t room) {
    INFO("head " << head << " size " << size << " pos " << pos << " room " << room << " -> pos " << w.pos
                 << " n " << w.n << " lost " << w.lost);
    CHECK(w.n <= room);
    CHECK(w.n <= size);
    CHECK(u128{w.pos} + w.n <= u128{head}); // no sum wraps, nothing from beyond the head
    if (pos <= head) {
        CHECK(u128{pos} + w.lost == u128{w.pos}); // every byte skipped is counted once
    } else {
        CHECK(w.lost == 0); // a position from the future starts over at the head
        CHECK(w.pos == head);
        CHECK(w.n == 0);
    }
}

} // namespace

TEST_CASE("module console reader: what the co-kernel wrote, in order", "[module][console]") {
    Ring ring(64);
    uint64_t pos = 0;
    CHECK(module_read(ring, pos, 100).w.n == 0);
    ring.write("hello ");
    ring.write("world\n");
    Read r = module_read(ring, pos, 100);
    CHECK(std::string(r.bytes.begin(), r.bytes.end()) == "hello world\n");
    CHECK(r.w.pos == 0);
    CHECK(r.w.lost == 0);
    pos = r.w.pos + r.w.n;
    ring.write("abc");
    r = module_read(ring, pos, 2);
    CHECK(std::string(r.bytes.begin(), r.bytes.end()) == "ab");
    r = module_read(ring, r.w.pos + r.w.n, 2);
    CHECK(std::string(r.bytes.begin(), r.bytes.end()) == "c");
    CHECK(r.w.pos + r.w.n == ring.header()->head);
}

TEST_CASE("module console reader: a reader that falls behind loses the oldest bytes and counts them",
          "[module][console]") {
    Ring ring(16);
    ring.write("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    const Read r = module_read(ring, 0, 100);
    CHECK(std::string(r.bytes.begin(), r.bytes.end()) == "KLMNOPQRSTUVWXYZ");
    CHECK(r.w.lost == 10);
    CHECK(r.w.pos == 10);
    // A position from the future (another boot) starts over at the head.
    const Read f = module_read(ring, 1000, 100);
    CHECK(f.w.n == 0);
    CHECK(f.w.pos == 26);
    CHECK(f.w.lost == 0);
}

TEST_CASE("module console reader: agrees with the co-kernel's reader and the writer's bytes, random sizes",
          "[module][console]") {
    for (const uint32_t size : {16u, 64u, 4096u, COKERNEL_CONSOLE_DATA_SIZE}) {
        Ring ring(size);
        Ring twin(size); // the same writes, read by the co-kernel's own reader
        std::mt19937_64 rng(size);
        uint64_t pos = 0;
        uint64_t twin_pos = 0;
        uint64_t lost_total = 0;
        uint64_t returned = 0;
        const int steps = size >= 4096 ? 300 : 3000;
        for (int step = 0; step < steps; ++step) {
            const uint64_t n = rng() % 4 == 0 ? rng() % (3 * uint64_t{size}) : rng() % (size / 4 + 1);
            write_positions(ring, n);
            write_positions(twin, n);
            const uint64_t head = ring.header()->head;
            const uint64_t room = rng() % 3 == 0 ? rng() % (2 * uint64_t{size}) : rng() % (size / 2 + 1);
            const Read r = module_read(ring, pos, room);
            INFO("size " << size << " step " << step);
            check_window(r.w, head, size, pos, room);
            CHECK(r.w.lost == (head - pos > size ? head - pos - size : 0)); // nothing is lost that survived
            CHECK(r.w.n == std::min(room, std::min<uint64_t>(head - pos, size)));
            bool same = true;
            for (uint64_t i = 0; i < r.w.n; ++i) {
                same = same && r.bytes[i] == byte_at(r.w.pos + i);
            }
            CHECK(same);
            uint64_t twin_lost = 0;
            const std::string t = twin.read(twin_pos, room, &twin_lost);
            CHECK(std::string(r.bytes.begin(), r.bytes.end()) == t);
            CHECK(twin_lost == r.w.lost);
            pos = r.w.pos + r.w.n;
            CHECK(twin_pos == pos);
            lost_total += r.w.lost;
            returned += r.w.n;
        }
        CHECK(returned + lost_total == pos); // every byte before pos was returned or counted as lost
        CHECK(returned > 0);
        CHECK(lost_total > 0);
    }
}

TEST_CASE("module console reader: a write under way is never returned as old bytes", "[module][console]") {
    // The writer reserved [head, head + len) and stored part of it over the oldest bytes when the reader
    // copied: what the reader returns must still be the bytes of those positions.
    const uint32_t size = 64;
    for (uint64_t stored = 0; stored <= 40; ++stored) {
        for (uint64_t pos = 0; pos <= 100; ++pos) {
            Ring ring(size);
            write_positions(ring, 100);
            cokernel_console* c = ring.header();
            const uint64_t head = c->head;
            c->reserve = head + 40;
            for (uint64_t i = 0; i < stored; ++i) {
                ring.data()[(head + i) & (size - 1)] = byte_at(head + i);
            }
            const Read r = module_read(ring, pos, 1000);
            INFO("stored " << stored << " pos " << pos);
            check_window(r.w, head, size, pos, 1000);
            CHECK(r.w.pos + r.w.n == head);
            CHECK(r.w.pos >= head + 40 - size); // nothing the write may have overwritten
            bool same = true;
            for (uint64_t i = 0; i < r.w.n; ++i) {
                same = same && r.bytes[i] == byte_at(r.w.pos + i);
            }
            CHECK(same);
        }
    }
}

namespace {

// Values around the edges of the reader's arithmetic for a ring of size bytes.
std::vector<uint64_t> edge_values(uint64_t size) {
    const uint64_t max = ~uint64_t{0};
    return {0,
            1,
            size - 1,
            size,
            size + 1,
            2 * size,
            3 * size + 7,
            uint64_t{1} << 32,
            max / 2,
            max / 2 + 1,
            max - size - 1,
            max - size,
            max - size + 1,
            max - 1,
            max};
}

// One read with these values in the shared header, checked; returns how many bytes it copied.
uint64_t hostile_read(Ring& ring, uint64_t head, uint64_t reserve, uint64_t pos, uint64_t room) {
    const uint64_t size = ring.header()->size;
    ring.header()->head = head;
    ring.header()->reserve = reserve;
    const Read r = module_read(ring, pos, room);
    check_window(r.w, head, size, pos, room);
    bool same = true; // the ring's own bytes at the window's positions
    for (uint64_t i = 0; i < r.w.n; ++i) {
        same = same && r.bytes[i] == byte_at((r.w.pos + i) & (size - 1));
    }
    CHECK(same);
    // The trim drops from the front only: the window still ends where the plan ended.
    ck_console_window plan{};
    ck_console_plan(head, size, pos, room, &plan);
    CHECK(plan.pos + plan.n == r.w.pos + r.w.n);
    CHECK(plan.lost <= r.w.lost);
    return r.w.n;
}

} // namespace

TEST_CASE("module console reader: any head, reserve, position and room stay inside buffer and ring",
          "[module][console]") {
    // The copy goes into a buffer of exactly room bytes (ASan sees any overreach) and reads the ring through
    // its mask. Every combination on a small ring; on the module's ring every combination with small rooms,
    // and the largest room with an honest reserve.
    for (const uint64_t size : {uint64_t{64}, uint64_t{COKERNEL_CONSOLE_DATA_SIZE}}) {
        Ring ring(static_cast<uint32_t>(size));
        for (uint64_t i = 0; i < size; ++i) {
            ring.data()[i] = byte_at(i);
        }
        const std::vector<uint64_t> values = edge_values(size);
        const std::vector<uint64_t> rooms =
            size == 64 ? std::vector<uint64_t>{0, 1, 63, 64, 65, 128} : std::vector<uint64_t>{0, 1, 100};
        int reads = 0;
        uint64_t copied = 0;
        for (const uint64_t head : values) {
            for (const uint64_t pos : values) {
                for (const uint64_t reserve : values) {
                    for (const uint64_t room : rooms) {
                        copied += hostile_read(ring, head, reserve, pos, room);
                        ++reads;
                    }
                }
                copied += hostile_read(ring, head, head, pos, 2 * size);
                ++reads;
            }
        }
        CHECK(reads == static_cast<int>(values.size() * values.size() * (values.size() * rooms.size() + 1)));
        CHECK(copied > 0);
    }
    // Arithmetic alone (no buffer) with a room no buffer could have.
    const uint64_t size = COKERNEL_CONSOLE_DATA_SIZE;
    const uint64_t max = ~uint64_t{0};
    for (const uint64_t head : edge_values(size)) {
        for (const uint64_t reserve : edge_values(size)) {
            for (const uint64_t pos : edge_values(size)) {
                for (const uint64_t room : {max / 2, max - 1, max}) {
                    ck_console_window w{};
                    ck_console_plan(head, size, pos, room, &w);
                    const uint64_t end = w.pos + w.n;
                    const uint64_t bad = ck_console_trim(reserve, size, &w);
                    CHECK(bad <= size);
                    CHECK(w.pos + w.n == end);
                    check_window(w, head, size, pos, room);
                }
            }
        }
    }
}

TEST_CASE("module console reader: one writer and the module's reader concurrently return only written bytes",
          "[module][console]") {
    Ring ring(256);
    constexpr uint64_t total = 2000000;
    std::atomic<bool> done{false};
    std::thread writer([&] {
        std::mt19937_64 rng(1);
        uint64_t written = 0;
        while (written < total) {
            const uint64_t n = std::min<uint64_t>(total - written, rng() % 40 + 1);
            write_positions(ring, n);
            written += n;
        }
        done = true;
    });
    uint64_t pos = 0;
    uint64_t lost_total = 0;
    uint64_t returned = 0;
    uint64_t wrong = 0;
    for (;;) {
        const bool finished = done;
        const Read r = module_read(ring, pos, 97);
        for (uint64_t i = 0; i < r.w.n; ++i) {
            wrong += r.bytes[i] == byte_at(r.w.pos + i) ? 0u : 1u;
        }
        if (r.w.pos != pos + r.w.lost) {
            ++wrong;
        }
        lost_total += r.w.lost;
        returned += r.w.n;
        pos = r.w.pos + r.w.n;
        if (finished && r.w.n == 0) {
            break;
        }
    }
    writer.join();
    CHECK(wrong == 0);
    CHECK(pos == total);
    CHECK(returned + lost_total == total);
    CHECK(returned > 0);
}

// The co-kernel console ring (cokernel/lib/console_ring.hpp): order, wrap-around, loss accounting, and one
// writer racing one reader.
#include "console_ring_fixture.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using ck_test::Ring;

TEST_CASE("console ring returns what was written, in order", "[console]") {
    Ring ring(64);
    uint64_t pos = 0;
    CHECK(ring.read(pos, 100).empty());
    ring.write("hello ");
    ring.write("world\n");
    CHECK(ring.read(pos, 100) == "hello world\n");
    CHECK(pos == 12);
    CHECK(ring.read(pos, 100).empty());
    ring.write("abc");
    CHECK(ring.read(pos, 2) == "ab");
    CHECK(ring.read(pos, 2) == "c");
}

TEST_CASE("console ring wraps around and reports overwritten bytes", "[console]") {
    Ring ring(16);
    uint64_t pos = 0;
    ring.write("0123456789");
    CHECK(ring.read(pos, 100) == "0123456789");
    ring.write("abcdefghij"); // wraps: bytes 10..19 live at 10..15, 0..3
    CHECK(ring.read(pos, 100) == "abcdefghij");

    uint64_t lost = 0;
    uint64_t late = 0; // a reader that never kept up
    ring.write("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    const std::string tail = ring.read(late, 100, &lost);
    CHECK(tail == "KLMNOPQRSTUVWXYZ"); // the last 16 bytes survive
    CHECK(lost == 46 - 16);
    CHECK(late == 46);
}

TEST_CASE("console reader resynchronises a position from the future", "[console]") {
    Ring ring(16);
    ring.write("abc");
    uint64_t pos = 1000;
    CHECK(ring.read(pos, 10).empty());
    CHECK(pos == 3);
}

TEST_CASE("console ring: one writer and one reader concurrently lose nothing they report as read",
          "[console]") {
    Ring ring(256);
    constexpr int lines = 20000;
    std::atomic<bool> done{false};
    std::thread writer([&] {
        char line[32];
        for (int i = 0; i < lines; ++i) {
            const int n = std::snprintf(line, sizeof line, "line %06d\n", i);
            ck::console_write(ring.header(), line, static_cast<size_t>(n));
        }
        done = true;
    });
    uint64_t pos = 0;
    uint64_t lost_total = 0;
    std::string text;
    for (;;) {
        const bool finished = done;
        uint64_t lost = 0;
        const std::string got = ring.read(pos, 97, &lost);
        if (lost != 0) {
            text += '\x01'; // mark the gap
        }
        lost_total += lost;
        text += got;
        if (finished && got.empty()) {
            break;
        }
    }
    writer.join();
    CHECK(pos == static_cast<uint64_t>(lines) * 12);
    CHECK(text.size() - static_cast<size_t>(std::count(text.begin(), text.end(), '\x01')) + lost_total ==
          pos);
    // Every complete line that was read is a line that was written (no torn or mixed bytes).
    size_t start = 0;
    int checked = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) {
            break;
        }
        const std::string l = text.substr(start, end - start);
        if (l.find('\x01') == std::string::npos && start > 0 && text[start - 1] == '\n') {
            INFO(l);
            CHECK((l.size() == 11 && l.rfind("line ", 0) == 0));
            ++checked;
        }
        start = end + 1;
    }
    CHECK(checked > 0);
}

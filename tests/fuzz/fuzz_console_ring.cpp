// libFuzzer target for the module's reader of the co-kernel's console ring (linux-module/console_ring.h, the
// code console.c runs) over a ring of COKERNEL_CONSOLE_DATA_SIZE bytes. The first input byte picks a mode:
//  - even: a hostile co-kernel. The next 32 bytes are head, reserve, the reader's pos and room (little
//    endian), the rest fills the ring. One read into a buffer of exactly room bytes (a room above 2 * size
//    is checked on the arithmetic alone, and the copy takes room % 4097: small copies keep runs fast).
//  - odd: an honest one. The co-kernel's writer (cokernel/lib/console_ring.hpp) and the module's reader
//    take turns as the remaining bytes say (writes, reads, a write caught half done, a reader that jumps);
//    every byte read must be the one written at its position, and every byte skipped is counted as lost.
// Any broken invariant aborts; ASan sees any read or write outside the ring or the reader's buffer. Built
// and run by tests/fuzz/run.
#include "console_ring.hpp"
#include "linux-module/console_ring.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sanitizer/asan_interface.h>
#include <vector>

namespace {

__extension__ typedef unsigned __int128 u128;

constexpr uint64_t SIZE = COKERNEL_CONSOLE_DATA_SIZE;
constexpr uint64_t MAX_ROOM = 2 * SIZE; // the largest reader buffer the target allocates

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_console_ring: broken invariant: %s\n", what);
        std::abort();
    }
}

// The input, consumed from the front; zeros once it is used up.
struct Input {
    const uint8_t* p;
    size_t left;
    uint8_t u8() {
        if (left == 0) {
            return 0;
        }
        --left;
        return *p++;
    }
    uint64_t u64() {
        uint64_t v = 0;
        for (int i = 0; i < 8; ++i) {
            v |= uint64_t{u8()} << (8 * i);
        }
        return v;
    }
    uint64_t u16() { return u8() | uint64_t{u8()} << 8; }
};

// The shared ring: header and exactly SIZE data bytes, allocated once, its header cleared for each input
// (what the data holds does not matter: the hostile mode compares with it, the honest one stores every byte
// it will compare before it reads).
struct Ring {
    std::vector<uint64_t> mem = std::vector<uint64_t>((sizeof(cokernel_console) + SIZE) / 8);
    Ring() { clear(); }
    void clear() {
        *con() = cokernel_console{};
        con()->size = SIZE;
    }
    cokernel_console* con() { return reinterpret_cast<cokernel_console*>(mem.data()); }
    uint8_t* data() { return ck::console_data(con()); }
};

Ring& shared_ring() {
    static Ring ring;
    ring.clear();
    return ring;
}

// The reader's buffer: one allocation of MAX_ROOM bytes, of which all but the first room are poisoned for
// ASan during a read, so that a byte more is seen as on a buffer of exactly room bytes (without allocating
// and faulting in up to 128 KiB for every read).
struct Buffer {
    uint8_t* bytes = nullptr;
    Buffer() {
        static uint8_t* const mem = new uint8_t[MAX_ROOM];
        bytes = mem;
    }
    uint8_t* get() { return bytes; }
    void limit(uint64_t room) { ASAN_POISON_MEMORY_REGION(bytes + room, MAX_ROOM - room); }
    void unlimit() { ASAN_UNPOISON_MEMORY_REGION(bytes, MAX_ROOM); }
};

// What the honest writer stores at position p: BYTES[p % PERIOD], 251 different values. The ring's size is
// 25 modulo 251, so a byte of the same slot from another lap (fewer than 251 laps away) never matches.
// Comparisons and writes take pointers into one long copy of the period (memcmp and memcpy, not a loop:
// the fuzzer's instrumentation makes a loop per byte slow).
constexpr uint64_t PERIOD = 251;
constexpr uint64_t MAX_WRITE = 0xffff; // the longest write an input can ask for
const uint8_t* bytes_at(uint64_t p) {
    static const std::vector<uint8_t> pattern = [] {
        std::vector<uint8_t> v(PERIOD + std::max(MAX_WRITE, MAX_ROOM));
        for (uint64_t i = 0; i < v.size(); ++i) {
            v[i] = static_cast<uint8_t>((i % PERIOD) * 97 % PERIOD);
        }
        return v;
    }();
    return pattern.data() + p % PERIOD;
}
static_assert(SIZE % PERIOD != 0);

bool same(const uint8_t* a, const uint8_t* b, uint64_t n) {
    return n == 0 || std::memcmp(a, b, n) == 0; // an empty buffer may be NULL
}

// Stores the honest bytes of positions [p, p + n) into their slots, as the writer would (the last lap wins).
void store(Ring& ring, uint64_t p, uint64_t n) {
    if (n > SIZE) {
        p += n - SIZE;
        n = SIZE;
    }
    const uint64_t slot = p & (SIZE - 1);
    const uint64_t first = std::min(n, SIZE - slot);
    std::memcpy(ring.data() + slot, bytes_at(p), first);
    std::memcpy(ring.data(), bytes_at(p + first), n - first);
}

// What holds for any read, whatever the co-kernel wrote.
void check_window(const ck_console_window& w, uint64_t head, uint64_t pos, uint64_t room) {
    check(w.n <= room, "n <= room");
    check(w.n <= SIZE, "n <= size");
    check(u128{w.pos} + w.n <= head, "the window ends at or before head, without wrapping");
    if (pos <= head) {
        check(u128{pos} + w.lost == w.pos, "old pos + lost == new pos");
    } else {
        check(w.lost == 0 && w.pos == head && w.n == 0, "a reader ahead of head starts over at head");
    }
}

// One read as console.c does it, into a buffer of exactly room bytes; returns the window, buf holds w.n.
ck_console_window module_read(Ring& ring, uint64_t pos, uint64_t room, Buffer& buf) {
    check(room <= MAX_ROOM, "a room the buffer has");
    buf.unlimit();
    buf.limit(room);
    ck_console_window w{};
    ck_console_copy(ring.con(), ring.data(), SIZE, pos, room, buf.get(), &w);
    check_window(w, ring.con()->head, pos, room);
    return w;
}

void hostile(Input in) {
    Ring& ring = shared_ring();
    const uint64_t head = in.u64();
    const uint64_t reserve = in.u64();
    const uint64_t pos = in.u64();
    const uint64_t room = in.u64();
    std::memcpy(ring.data(), in.p, std::min<uint64_t>(in.left, SIZE));
    ring.con()->head = head;
    ring.con()->reserve = reserve;

    // The arithmetic with the room as given: the trim only drops from the front.
    ck_console_window w{};
    ck_console_plan(head, SIZE, pos, room, &w);
    check_window(w, head, pos, room);
    const uint64_t end = w.pos + w.n;
    const uint64_t lost = w.lost;
    const uint64_t bad = ck_console_trim(reserve, SIZE, &w);
    check_window(w, head, pos, room);
    check(w.pos + w.n == end && w.lost == lost + bad, "the trim drops leading bytes and counts them");

    // The copy, into a buffer of at most MAX_ROOM bytes.
    const uint64_t r = room <= MAX_ROOM ? room : room % 4097;
    Buffer buf;
    const ck_console_window c = module_read(ring, pos, r, buf);
    const uint64_t slot = c.pos & (SIZE - 1);
    const uint64_t first = std::min(c.n, SIZE - slot);
    check(same(buf.get(), ring.data() + slot, first) && same(buf.get() + first, ring.data(), c.n - first),
          "the bytes are the ring's at those positions");
}

struct Honest {
    Ring& ring = shared_ring();
    uint64_t pos = 0; // the reader's next position
    // Bytes written and read per input. The fuzzer's instrumentation costs some 30 ns a byte in the loops
    // of writer and reader, so this keeps an input under 2 ms; the ring starts full and the reader can
    // jump, so laps and losses need no long writes.
    uint64_t budget = 48 << 10;
    Buffer buf;

    uint64_t head() { return ring.con()->head; }
    void write(uint64_t n) {
        const uint64_t h = head();
        ck::console_write(ring.con(), reinterpret_cast<const char*>(bytes_at(h)), n);
        check(head() == h + n && ring.con()->reserve == h + n, "the writer moved head and reserve");
    }
    // A read while the writer has reserved [head, reserve) and stored part of it.
    void read(uint64_t room) {
        const uint64_t h = head();
        const ck_console_window w = module_read(ring, pos, room, buf);
        check(same(buf.get(), bytes_at(w.pos), w.n), "the bytes are the writer's at those positions");
        const uint64_t reserve = ring.con()->reserve;
        if (pos <= h) {
            const uint64_t first = h - pos > SIZE ? h - SIZE : pos; // the oldest byte still in the ring
            const uint64_t safe = reserve > SIZE && reserve - SIZE > first ? reserve - SIZE : first;
            const uint64_t want = h - first < room ? h - first : room;
            check(w.pos == std::min(first + want, safe),
                  "the reader skips only what was or may be overwritten");
            check(w.pos + w.n == first + want, "the reader returns everything it can up to room");
        }
        pos = w.pos + w.n;
    }
    void torn(uint64_t len, uint64_t stored, uint64_t room) {
        cokernel_console* c = ring.con();
        const uint64_t h = head();
        stored = len == 0 ? 0 : stored % (len + 1);
        c->reserve = h + len;
        store(ring, h, stored);
        read(room);
        store(ring, h + stored, len - stored);
        c->head = h + len;
    }
    bool spend(uint64_t n) {
        if (n > budget) {
            return false;
        }
        budget -= n;
        return true;
    }
};

void honest(Input in) {
    Honest t;
    // Start anywhere below 2^63 (head counts bytes since boot), with the ring full of those bytes.
    const uint64_t start = in.u64() >> 1;
    t.ring.con()->head = start;
    t.ring.con()->reserve = start;
    store(t.ring, start > SIZE ? start - SIZE : 0, std::min(start, SIZE));
    t.pos = in.u64();
    if (t.pos > start) {
        t.read(MAX_ROOM); // a position from another boot: starts over at the head
        check(t.pos == start, "a reader ahead of head starts over at head");
    }
    while (in.left > 0) {
        const uint8_t op = in.u8();
        const uint64_t n = in.u16();
        switch (op % 6) {
        case 0: // a short write
            if (!t.spend(n % 1024)) {
                return;
            }
            t.write(n % 1024);
            break;
        case 1: // a long one, up to a lap of the ring
            if (!t.spend(n)) {
                return;
            }
            t.write(n);
            break;
        case 2: // a read with a room of n bytes
        case 3:
            if (!t.spend(std::min(n % (MAX_ROOM + 1), SIZE))) {
                return;
            }
            t.read(n % (MAX_ROOM + 1));
            break;
        case 4: { // a write caught half done
            const uint64_t stored = in.u16();
            const uint64_t room = in.u16();
            if (!t.spend(std::min(room, SIZE))) { // the stores are memcpy()s, the read a loop
                return;
            }
            t.torn(n, stored, room);
            break;
        }
        default: // the reader jumps back (bytes to read again, or lost) or ahead (from another boot)
            if (!t.spend(4096)) {
                return;
            }
            t.pos = op & 0x80 ? t.head() + n : (n * 4 > t.pos ? 0 : t.pos - n * 4);
            t.read(4096);
            break;
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in{data, size};
    if (in.u8() & 1) {
        honest(in);
    } else {
        hostile(in);
    }
    return 0;
}

#pragma once
// The console ring of docs/boot-protocol.md (layout: struct cokernel_console in <cokernel/boot.h>).
// Header-only so that the co-kernel (writer) and the host unit tests (writer and reader) compile the same
// code.
#include <cokernel/boot.h>
#include <stddef.h>
#include <stdint.h>

namespace ck {

inline uint8_t* console_data(cokernel_console* c) {
    return reinterpret_cast<uint8_t*>(c + 1);
}
inline const uint8_t* console_data(const cokernel_console* c) {
    return reinterpret_cast<const uint8_t*>(c + 1);
}

// Single writer (callers serialise). c->reserve is the write reservation: it is published before any byte of
// a write is stored, so a reader knows which old bytes may be changing under it.
inline void console_write(cokernel_console* c, const char* s, size_t n) {
    uint8_t* data = console_data(c);
    const uint64_t mask = c->size - 1;
    const uint64_t head = __atomic_load_n(&c->head, __ATOMIC_RELAXED);
    __atomic_store_n(&c->reserve, head + n, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    for (size_t i = 0; i < n; ++i) {
        __atomic_store_n(&data[(head + i) & mask], static_cast<uint8_t>(s[i]), __ATOMIC_RELAXED);
    }
    __atomic_store_n(&c->head, head + n, __ATOMIC_RELEASE);
}

struct ConsoleRead {
    size_t copied; // bytes in out[]
    uint64_t lost; // bytes skipped: overwritten before they could be read
    uint64_t pos;  // next reader position
};

// Copies bytes [pos, head) (at most len) into out. Safe against one concurrent writer.
inline ConsoleRead console_read(const cokernel_console* c, uint64_t pos, uint8_t* out, size_t len) {
    const uint8_t* data = console_data(c);
    const uint64_t size = c->size;
    const uint64_t mask = size - 1;
    uint64_t head = __atomic_load_n(&c->head, __ATOMIC_ACQUIRE);
    uint64_t lost = 0;
    if (pos > head) {
        pos = head; // a position from the future (another boot): start over at the present
    }
    if (head - pos > size) {
        lost = head - size - pos;
        pos = head - size;
    }
    size_t n = static_cast<size_t>(head - pos < len ? head - pos : len);
    for (size_t i = 0; i < n; ++i) {
        out[i] = __atomic_load_n(&data[(pos + i) & mask], __ATOMIC_RELAXED);
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    const uint64_t reserve = __atomic_load_n(&c->reserve, __ATOMIC_RELAXED);
    if (reserve > size && pos < reserve - size) {
        const uint64_t bad = reserve - size - pos; // out[0, bad) may mix old and new bytes
        if (bad >= n) {
            lost += n;
            pos += n;
            n = 0;
        } else {
            const size_t b = static_cast<size_t>(bad);
            for (size_t i = 0; i + b < n; ++i) {
                out[i] = out[i + b];
            }
            lost += bad;
            pos += bad;
            n -= b;
        }
    }
    return {n, lost, pos + n};
}

} // namespace ck

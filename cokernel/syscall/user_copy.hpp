#pragma once
// Small writes into a process's memory for the native handlers (through the direct map: the job's page
// protections do not apply, docs/run.md, "Memory protections").
#include "address_space.hpp"
#include "mem.hpp"

#include <stdint.h>

namespace ck {

// Two 8-byte values at addr (a timespec, a timeval); false when outside the memory.
inline bool put_pair(const AddressSpace& m, uint64_t addr, uint64_t first, uint64_t second) {
    uint8_t* p = m.ptr(addr, 16);
    if (p == nullptr) {
        return false;
    }
    memcpy(p, &first, 8);
    memcpy(p + 8, &second, 8);
    return true;
}

// Zeroes len bytes at addr, an optional out-argument (NULL: nothing to do); false when outside the memory.
inline bool zero_out(const AddressSpace& m, uint64_t addr, uint64_t len) {
    if (addr == 0) {
        return true;
    }
    uint8_t* p = m.ptr(addr, len);
    if (p == nullptr) {
        return false;
    }
    memset(p, 0, len);
    return true;
}

} // namespace ck

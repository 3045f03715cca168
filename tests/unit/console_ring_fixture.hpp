#pragma once
// A console ring in host memory, written and read by the co-kernel's own code
// (cokernel/lib/console_ring.hpp): the fixture of tests/unit/test_console_ring.cpp (the co-kernel's reader)
// and tests/unit/test_console_ring_reader.cpp (the module's reader, linux-module/console_ring.h).
#include "console_ring.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ck_test {

struct Ring {
    explicit Ring(uint32_t size) : mem((sizeof(cokernel_console) + size + 7) / 8) { header()->size = size; }
    cokernel_console* header() { return reinterpret_cast<cokernel_console*>(mem.data()); }
    uint8_t* data() { return ck::console_data(header()); }
    void write(const std::string& s) { ck::console_write(header(), s.data(), s.size()); }
    std::string read(uint64_t& pos, size_t len, uint64_t* lost = nullptr) {
        std::vector<uint8_t> out(len);
        const ck::ConsoleRead r = ck::console_read(header(), pos, out.data(), len);
        pos = r.pos;
        if (lost != nullptr) {
            *lost = r.lost;
        }
        return std::string(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(r.copied));
    }
    std::vector<uint64_t> mem; // 8-byte aligned storage
};

} // namespace ck_test

#pragma once
// The memory policy the loader and the stack builder write a job's memory through. In the co-kernel it
// writes through the job's page tables (the pages are mapped up front); in tests a fake memory records
// every write. Both return false when [addr, addr + len) is not writable job memory.
#include <concepts>
#include <stdint.h>

namespace ck::elf {

template <class M>
concept UserMemory = requires(M& m, uint64_t addr, const uint8_t* src, uint64_t len, uint8_t byte) {
    { m.write(addr, src, len) } -> std::same_as<bool>;
    { m.fill(addr, byte, len) } -> std::same_as<bool>;
};

} // namespace ck::elf

#pragma once
// Copies the segments of a checked load plan into job memory: file bytes, then zeros up to memsz (bss).
// The pages themselves (allocation, mapping with each segment's protection) are the caller's; a page
// shared by two segments needs the union of their protections.
#include "load_plan.hpp"
#include "user_memory.hpp"

#include <stddef.h>
#include <stdint.h>

namespace ck::elf {

// data/size must be the file plan_load accepted for plan.
template <UserMemory Mem>
Status load_segments(Mem& mem, const LoadPlan& plan, const uint8_t* data, size_t size) {
    for (uint32_t i = 0; i < plan.nsegments; ++i) {
        const Segment& s = plan.segments[i];
        if (s.offset > size || s.filesz > size - s.offset) {
            return {Error::invalid_argument, "load plan does not match the file"};
        }
        if (!mem.write(s.vaddr, data + s.offset, s.filesz) ||
            !mem.fill(s.vaddr + s.filesz, 0, s.memsz - s.filesz)) {
            return {Error::fault, "cannot write a segment into job memory"};
        }
    }
    return success();
}

} // namespace ck::elf

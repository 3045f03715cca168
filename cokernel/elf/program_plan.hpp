#pragma once
// A program as the co-kernel starts it: the executable and, when it has a PT_INTERP, its interpreter (the
// dynamic linker, read from Linux's file system by the launcher). The executable goes where plan_load puts
// it (a PIE at LoadOptions::pie_base); the interpreter right above it, at the next 2 MiB boundary, so the two
// images never share a 2 MiB page and the brk heap starts above both. The first thread starts at the
// interpreter's entry with AT_BASE its load bias, as Linux's load_elf_binary does; ld.so then finds the
// executable through AT_PHDR and AT_ENTRY and maps the libraries itself (mmap of their files).
// Header-only and freestanding, like load_plan.hpp: the co-kernel and the launcher check the same.
#include "load_plan.hpp"

namespace ck::elf {

constexpr uint64_t INTERP_ALIGN = 2ULL << 20;

struct ProgramPlan {
    LoadPlan exe;
    LoadPlan interp;        // meaningful when dynamic
    bool dynamic;           // the executable has a PT_INTERP, and interp is its interpreter
    bool interp_failed;     // the refusal is about the interpreter's file, not the executable's
    uint64_t image_start;   // the executable's lowest page
    uint64_t image_end;     // the end of the highest image: the brk heap starts here
    uint64_t entry;         // where the first thread starts: the interpreter's entry, else AT_ENTRY
    uint64_t base;          // AT_BASE: the interpreter's load bias; 0 for a static executable
    uint64_t memory_needed; // bytes of pages both images cover
};

// Plans exe (exe_size bytes) and, when it is dynamic, interp (interp_size bytes; ignored for a static
// executable). On failure out holds partial results; out.interp_failed says which file the Status is about.
constexpr Status plan_program(const uint8_t* exe, size_t exe_size, const uint8_t* interp, size_t interp_size,
                              const LoadOptions& opt, ProgramPlan& out) {
    out.dynamic = false;
    out.interp_failed = false;
    if (Status st = plan_load(exe, exe_size, opt, out.exe); !st.ok()) {
        return st;
    }
    out.image_start = out.exe.image_start;
    out.image_end = out.exe.image_end;
    out.entry = out.exe.entry;
    out.base = 0;
    out.memory_needed = out.exe.memory_needed;
    if (out.exe.interp_size == 0) {
        return success();
    }
    if (interp == nullptr || interp_size == 0) {
        return {Error::dynamic, "dynamically linked, and its interpreter (PT_INTERP) was not given"};
    }
    out.interp_failed = true;
    LoadOptions io{};
    io.memory_limit = opt.memory_limit - out.exe.memory_needed; // plan_load kept it within the limit
    if (!detail::align_up(out.exe.image_end, INTERP_ALIGN, io.pie_base)) {
        return {Error::corrupt, "corrupt ELF file: no room for the interpreter above the executable"};
    }
    if (Status st = plan_load(interp, interp_size, io, out.interp); !st.ok()) {
        return st;
    }
    if (!out.interp.pie) {
        return {Error::corrupt, "the interpreter is not a shared object (ET_DYN)"};
    }
    if (out.interp.interp_size != 0) {
        return {Error::corrupt, "the interpreter names an interpreter (PT_INTERP) itself"};
    }
    out.interp_failed = false;
    out.dynamic = true;
    out.image_end = out.interp.image_end;
    out.entry = out.interp.entry;
    out.base = out.interp.bias;
    out.memory_needed += out.interp.memory_needed;
    return success();
}

} // namespace ck::elf

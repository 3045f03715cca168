#pragma once
// The initial stack of a new job, as the System V x86-64 ABI and Linux lay it out (fs/binfmt_elf.c,
// create_elf_tables). From the top (highest address) down:
//
//   8 zero bytes                        end marker
//   argv strings, envp strings, execfn  NUL-terminated, ascending in that order
//   "x86_64\0"                          AT_PLATFORM
//   16 random bytes                     AT_RANDOM, 16-byte aligned
//   padding                             so that rsp ends 16-byte aligned
//   auxv pairs ... AT_NULL, 0
//   envp[0..envc), NULL
//   argv[0..argc), NULL
//   argc                                <- rsp (16-byte aligned, as _start expects)
#include "load_plan.hpp"
#include "status.hpp"
#include "user_memory.hpp"

#include <stddef.h>
#include <stdint.h>

namespace ck::elf {

namespace auxv {
constexpr uint64_t END = 0;
constexpr uint64_t PHDR = 3;
constexpr uint64_t PHENT = 4;
constexpr uint64_t PHNUM = 5;
constexpr uint64_t PAGESZ = 6;
constexpr uint64_t BASE = 7;
constexpr uint64_t FLAGS = 8;
constexpr uint64_t ENTRY = 9;
constexpr uint64_t UID = 11;
constexpr uint64_t EUID = 12;
constexpr uint64_t GID = 13;
constexpr uint64_t EGID = 14;
constexpr uint64_t PLATFORM = 15;
constexpr uint64_t HWCAP = 16;
constexpr uint64_t CLKTCK = 17;
constexpr uint64_t SECURE = 23;
constexpr uint64_t RANDOM = 25;
constexpr uint64_t EXECFN = 31;
constexpr uint64_t COUNT = 18; // entries written, AT_NULL included
} // namespace auxv

constexpr char PLATFORM[] = "x86_64";
constexpr uint64_t CLOCK_TICKS = 100; // AT_CLKTCK: what times() counts in, as on Linux

struct StackArgs {
    const char* const* argv; // argc strings (argv[0] is the program name the job sees)
    uint64_t argc;
    const char* const* envp; // envc strings, "NAME=value"
    uint64_t envc;
    const char* execfn;    // AT_EXECFN: the path the job was started from
    const uint8_t* random; // 16 bytes for AT_RANDOM (seeds the stack protector and pointer guard)
    uint64_t hwcap;        // AT_HWCAP: CPUID.1:EDX on x86
    uint32_t uid, euid, gid, egid;
    uint64_t base; // AT_BASE: the interpreter's load bias (program_plan.hpp); 0 for a static executable
};

// Where things went; rsp is what the job starts with (rdx = 0: no exit handler).
struct StackLayout {
    uint64_t rsp;
    uint64_t argv;     // address of argv[0] pointer
    uint64_t envp;     // address of envp[0] pointer
    uint64_t auxv;     // address of the first auxv pair
    uint64_t random;   // AT_RANDOM
    uint64_t platform; // AT_PLATFORM
    uint64_t execfn;   // AT_EXECFN
};

namespace detail {

// Length + 1 of s, or 0 when s has no NUL within max bytes.
constexpr uint64_t string_size(const char* s, uint64_t max) {
    for (uint64_t n = 0; n < max; ++n) {
        if (s[n] == '\0') {
            return n + 1;
        }
    }
    return 0;
}

template <UserMemory Mem>
bool write_word(Mem& mem, uint64_t addr, uint64_t value) {
    uint8_t bytes[8] = {};
    for (uint8_t& b : bytes) {
        b = static_cast<uint8_t>(value);
        value >>= 8;
    }
    return mem.write(addr, bytes, 8);
}

// Writes the strings of list at cursor (ascending) and their addresses into the array at slots.
template <UserMemory Mem>
bool write_strings(Mem& mem, const char* const* list, uint64_t count, uint64_t& cursor, uint64_t slots) {
    for (uint64_t i = 0; i < count; ++i) {
        const uint64_t n = string_size(list[i], UINT64_MAX);
        if (!mem.write(cursor, reinterpret_cast<const uint8_t*>(list[i]), n) ||
            !write_word(mem, slots + i * 8, cursor)) {
            return false;
        }
        cursor += n;
    }
    return write_word(mem, slots + count * 8, 0);
}

} // namespace detail

// Builds the stack in [stack_bottom, stack_top) for a job loaded by plan. stack_top must be 16-byte aligned.
template <UserMemory Mem>
Status build_initial_stack(Mem& mem, uint64_t stack_bottom, uint64_t stack_top, const LoadPlan& plan,
                           const StackArgs& args, StackLayout& out) {
    if (stack_top % 16 != 0 || stack_bottom > stack_top || args.random == nullptr || args.execfn == nullptr ||
        (args.argc > 0 && args.argv == nullptr) || (args.envc > 0 && args.envp == nullptr)) {
        return {Error::invalid_argument, "initial stack: misaligned top, or missing arguments"};
    }
    const Status too_small{Error::stack_too_small, "arguments and environment do not fit on the stack"};
    const uint64_t room = stack_top - stack_bottom;
    // Everything is measured against room before any address is computed, so nothing below can wrap.
    uint64_t used = 8 + sizeof(PLATFORM) + 16 + 15; // end marker, platform, random, its alignment
    const uint64_t execfn_size = detail::string_size(args.execfn, room);
    if (execfn_size == 0) {
        return too_small;
    }
    uint64_t strings = execfn_size;
    for (int list = 0; list < 2; ++list) {
        const char* const* v = list == 0 ? args.argv : args.envp;
        const uint64_t count = list == 0 ? args.argc : args.envc;
        if (count > room / 8) {
            return too_small;
        }
        for (uint64_t i = 0; i < count; ++i) {
            const uint64_t n = detail::string_size(v[i], room);
            strings += n;
            if (n == 0 || strings > room) {
                return too_small;
            }
        }
    }
    const uint64_t words = 1 + (args.argc + 1) + (args.envc + 1) + 2 * auxv::COUNT;
    used += strings;
    if (used > room || words > (room - used) / 8 || words * 8 + 8 > room - used) {
        return too_small; // the last 8: padding to 16
    }
    const uint64_t strings_at = stack_top - 8 - strings;
    out.platform = strings_at - sizeof(PLATFORM);
    out.random = (out.platform - 16) & ~uint64_t{15};
    out.rsp = (out.random - words * 8) & ~uint64_t{15};
    out.argv = out.rsp + 8;
    out.envp = out.argv + (args.argc + 1) * 8;
    out.auxv = out.envp + (args.envc + 1) * 8;

    const uint8_t zero[8] = {};
    uint64_t cursor = strings_at;
    bool ok = mem.write(stack_top - 8, zero, 8) && detail::write_word(mem, out.rsp, args.argc) &&
              detail::write_strings(mem, args.argv, args.argc, cursor, out.argv) &&
              detail::write_strings(mem, args.envp, args.envc, cursor, out.envp);
    out.execfn = cursor;
    ok = ok && mem.write(cursor, reinterpret_cast<const uint8_t*>(args.execfn), execfn_size) &&
         mem.write(out.platform, reinterpret_cast<const uint8_t*>(PLATFORM), sizeof(PLATFORM)) &&
         mem.write(out.random, args.random, 16);

    // Linux's order (create_elf_tables), without AT_SYSINFO_EHDR (no vDSO yet).
    const uint64_t pairs[auxv::COUNT][2] = {
        {auxv::HWCAP, args.hwcap},      {auxv::PAGESZ, PAGE},
        {auxv::CLKTCK, CLOCK_TICKS},    {auxv::PHDR, plan.phdr_vaddr},
        {auxv::PHENT, plan.phentsize},  {auxv::PHNUM, plan.phnum},
        {auxv::BASE, args.base},        {auxv::FLAGS, 0},
        {auxv::ENTRY, plan.entry},      {auxv::UID, args.uid},
        {auxv::EUID, args.euid},        {auxv::GID, args.gid},
        {auxv::EGID, args.egid},        {auxv::SECURE, 0},
        {auxv::RANDOM, out.random},     {auxv::EXECFN, out.execfn},
        {auxv::PLATFORM, out.platform}, {auxv::END, 0},
    };
    for (uint64_t i = 0; i < auxv::COUNT && ok; ++i) {
        ok = detail::write_word(mem, out.auxv + i * 16, pairs[i][0]) &&
             detail::write_word(mem, out.auxv + i * 16 + 8, pairs[i][1]);
    }
    if (!ok) {
        return {Error::fault, "cannot write the initial stack into job memory"};
    }
    return success();
}

} // namespace ck::elf

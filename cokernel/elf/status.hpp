#pragma once
// Errors of the ELF loader and the initial-stack builder, as values: a category the caller can switch on and
// a message (a string literal) that says exactly which check failed, for the job's console and for users.
#include <stdint.h>

namespace ck::elf {

enum class Error : uint8_t {
    ok = 0,
    not_elf,          // no ELF magic
    not_x86_64,       // ELF, but 32-bit, big-endian or another machine
    not_executable,   // relocatable object, core file, shared library
    truncated,        // headers or segment contents beyond the end of the file
    corrupt,          // inconsistent headers
    dynamic,          // needs a dynamic linker (PT_INTERP)
    too_large,        // needs more memory than the limit
    stack_too_small,  // argv + envp + auxv do not fit between the stack's bottom and top
    invalid_argument, // a caller error (misaligned stack top, missing AT_RANDOM bytes)
    fault,            // the memory policy refused a write
};

struct [[nodiscard]] Status {
    Error error;
    const char* message;

    constexpr bool ok() const { return error == Error::ok; }
};

constexpr Status success() {
    return {Error::ok, "ok"};
}

constexpr const char* error_name(Error e) {
    switch (e) {
    case Error::ok:
        return "ok";
    case Error::not_elf:
        return "not_elf";
    case Error::not_x86_64:
        return "not_x86_64";
    case Error::not_executable:
        return "not_executable";
    case Error::truncated:
        return "truncated";
    case Error::corrupt:
        return "corrupt";
    case Error::dynamic:
        return "dynamic";
    case Error::too_large:
        return "too_large";
    case Error::stack_too_small:
        return "stack_too_small";
    case Error::invalid_argument:
        return "invalid_argument";
    case Error::fault:
        return "fault";
    }
    return "unknown";
}

} // namespace ck::elf

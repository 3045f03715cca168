#pragma once
// The co-kernel's dispatch table, generated at compile time from delegation/syscalls.def and the handler
// lists of handlers.hpp: for each syscall number, which handler serves it -- its own sys_<name> (the entry's
// `native` column says `sys`; the slot is the handler's place in CK_NATIVE_HANDLERS, whose function
// dispatch.cpp holds), the shared sys_not_implemented (`enosys`), or none (`none`: delegated or denied).
// The checks take any table and any handler list, so the host unit tests can show each one failing; the
// static_asserts below apply them to the real ones. No function addresses here: the host tests include it
// without the co-kernel's handlers.
#include "handlers.hpp"
#include "syscall_table.hpp"

#include <stddef.h>
#include <stdint.h>

namespace ck {

#define CK_HANDLER_NAME(name) #name,
inline constexpr const char* native_handler_names[] = {CK_NATIVE_HANDLERS(CK_HANDLER_NAME)};
#undef CK_HANDLER_NAME
inline constexpr size_t native_handler_count = sizeof native_handler_names / sizeof native_handler_names[0];

struct HandlerList {
    const char* const* names;
    size_t count;
};
struct SyscallList {
    const deleg::SyscallInfo* entries;
    size_t count;
};
inline constexpr HandlerList native_handlers{native_handler_names, native_handler_count};
inline constexpr SyscallList def_syscalls{deleg::syscall_table, deleg::syscall_count};

// A slot: an index into the handler list, or one of these.
inline constexpr uint16_t NO_HANDLER = 0xffff;      // not the co-kernel's: route() never sends it there
inline constexpr uint16_t NOT_IMPLEMENTED = 0xfffe; // sys_not_implemented (-ENOSYS)

struct NativeTable {
    uint16_t slot[deleg::syscall_nr_limit];
};

namespace native_check {

constexpr bool same_name(const char* a, const char* b) {
    while (*a != '\0' && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

// The handler list's index of name, or NO_HANDLER.
constexpr uint16_t find(const HandlerList& h, const char* name) {
    for (size_t i = 0; i < h.count; ++i) {
        if (same_name(h.names[i], name)) {
            return static_cast<uint16_t>(i);
        }
    }
    return NO_HANDLER;
}

// The first entry whose `native` column says `sys` with no handler of its name (nullptr: none).
constexpr const char* marked_without_handler(const SyscallList& t, const HandlerList& h) {
    for (size_t i = 0; i < t.count; ++i) {
        if (t.entries[i].native == deleg::NativeHandler::sys && find(h, t.entries[i].name) == NO_HANDLER) {
            return t.entries[i].name;
        }
    }
    return nullptr;
}

// The first handler with no entry of its name that says `sys` (nullptr: none).
constexpr const char* handler_not_marked(const SyscallList& t, const HandlerList& h) {
    for (size_t k = 0; k < h.count; ++k) {
        bool marked = false;
        for (size_t i = 0; i < t.count && !marked; ++i) {
            marked =
                t.entries[i].native == deleg::NativeHandler::sys && same_name(t.entries[i].name, h.names[k]);
        }
        if (!marked) {
            return h.names[k];
        }
    }
    return nullptr;
}

// The first handler listed twice (nullptr: none).
constexpr const char* handler_twice(const HandlerList& h) {
    for (size_t k = 0; k < h.count; ++k) {
        if (find(h, h.names[k]) != k) {
            return h.names[k];
        }
    }
    return nullptr;
}

constexpr NativeTable build(const SyscallList& t, const HandlerList& h) {
    NativeTable n{};
    for (uint16_t& s : n.slot) {
        s = NO_HANDLER;
    }
    for (size_t i = 0; i < t.count; ++i) {
        const deleg::SyscallInfo& e = t.entries[i];
        n.slot[e.nr] = e.native == deleg::NativeHandler::sys      ? find(h, e.name)
                       : e.native == deleg::NativeHandler::enosys ? NOT_IMPLEMENTED
                                                                  : NO_HANDLER;
    }
    return n;
}

} // namespace native_check

static_assert(
    native_check::marked_without_handler(def_syscalls, native_handlers) == nullptr,
    "syscalls.def: an entry's native column says `sys` but handlers.hpp lists no sys_<name> for it");
static_assert(native_check::handler_not_marked(def_syscalls, native_handlers) == nullptr,
              "handlers.hpp: a handler for a syscall whose native column in syscalls.def is not `sys`");
static_assert(native_check::handler_twice(native_handlers) == nullptr,
              "handlers.hpp: a handler listed twice");
static_assert(native_handler_count < NOT_IMPLEMENTED, "a slot holds every handler's index");

inline constexpr NativeTable native_table = native_check::build(def_syscalls, native_handlers);

} // namespace ck

#pragma once
// Which way a job's syscall goes: the job's policy bits (--deny, --delegate, syscall_policy.hpp) first, then
// the table's policy (delegation/syscalls.def). Freestanding and constexpr: the host unit tests check every
// number.
#include "syscall_policy.hpp"
#include "syscall_table.hpp"

#include <stdint.h>

namespace ck {

enum class Route : uint8_t {
    refuse,          // -EPERM: --deny, or the table says denied
    unknown,         // -ENOSYS: not a number the table knows
    native,          // the co-kernel's handler from the generated table (native_table.hpp)
    not_implemented, // a native-only syscall the policy asks to delegate, which it cannot be: -ENOSYS
    proxy,           // delegated to the proxy through the thread's channel
};

constexpr Route route(uint64_t nr, const SyscallPolicy& policy) {
    if (policy.denies(nr)) {
        return Route::refuse;
    }
    const deleg::SyscallInfo* info = deleg::syscall_info(nr);
    if (info == nullptr) {
        return Route::unknown;
    }
    switch (info->policy) {
    case deleg::Policy::native:
        return policy.delegates(nr) ? Route::proxy : Route::native;
    case deleg::Policy::native_only:
        // The launcher never asks for this (--delegate refuses native-only names); a proxy that does gets
        // what a native-only syscall without a handler gets.
        return policy.delegates(nr) ? Route::not_implemented : Route::native;
    case deleg::Policy::delegated:
        return Route::proxy;
    case deleg::Policy::denied:
        return Route::refuse;
    }
    return Route::unknown;
}

} // namespace ck

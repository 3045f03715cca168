#pragma once
// The syscall table (syscalls.def) as constexpr data: lookup by number and by name. Freestanding.
#include <stddef.h>
#include <stdint.h>

namespace ck::deleg {

enum class Policy : uint8_t { native_only, native, delegated, denied };

// The co-kernel's handler of a syscall (the .def's `native` column): its own sys_<name>, the shared
// not-implemented one (-ENOSYS), or none (the proxy's or a refusal).
enum class NativeHandler : uint8_t { none, sys, enosys };

enum class ArgKind : uint8_t {
    none,
    integer,
    fd,
    fd_last,
    len,
    addr,
    string,
    in,
    out,
    inout,
    in_len,
    out_len,
    inout_len,
    in_array,
    out_array,
    inout_array,
    iov_in,
    iov_out,
    msg_in,
    msg_out,
    sockaddr,
    socklen,
    ioctl_arg,
    fcntl_arg,
    nfds,
    fd_set,
    sigmask,
    sigmask_pack,
    pollfds,
    rlimit_in,
    optval_in,
    optval_out,
    self_pid,
    prio_who,
    domain,
    raw,
};

// arg: index of the argument holding a length or count; size: fixed size or element size in bytes.
struct ArgSpec {
    ArgKind kind = ArgKind::none;
    uint8_t arg = 0;
    uint16_t size = 0;
};

// The tokens of syscalls.def.
namespace arg {
constexpr ArgSpec NONE{ArgKind::none, 0, 0};
constexpr ArgSpec INT{ArgKind::integer, 0, 0};
constexpr ArgSpec FD{ArgKind::fd, 0, 0};
constexpr ArgSpec FD_LAST{ArgKind::fd_last, 0, 0};
constexpr ArgSpec LEN{ArgKind::len, 0, 0};
constexpr ArgSpec ADDR{ArgKind::addr, 0, 0};
constexpr ArgSpec STR{ArgKind::string, 0, 0};
constexpr ArgSpec MSG_IN{ArgKind::msg_in, 0, 0};
constexpr ArgSpec MSG_OUT{ArgKind::msg_out, 0, 0};
constexpr ArgSpec SOCKLEN{ArgKind::socklen, 0, 0};
constexpr ArgSpec IOCTL{ArgKind::ioctl_arg, 0, 0};
constexpr ArgSpec FCNTL{ArgKind::fcntl_arg, 0, 0};
constexpr ArgSpec NFDS{ArgKind::nfds, 0, 0};
constexpr ArgSpec SIGMASK_PACK{ArgKind::sigmask_pack, 0, 0};
constexpr ArgSpec SELF_PID{ArgKind::self_pid, 0, 0};
constexpr ArgSpec DOMAIN{ArgKind::domain, 0, 0};
constexpr ArgSpec RAW{ArgKind::raw, 0, 0};
constexpr ArgSpec PRIO_WHO(uint8_t i) {
    return {ArgKind::prio_who, i, 0};
}
constexpr ArgSpec IN(uint16_t n) {
    return {ArgKind::in, 0, n};
}
constexpr ArgSpec OUT(uint16_t n) {
    return {ArgKind::out, 0, n};
}
constexpr ArgSpec IO(uint16_t n) {
    return {ArgKind::inout, 0, n};
}
constexpr ArgSpec IN_L(uint8_t i) {
    return {ArgKind::in_len, i, 0};
}
constexpr ArgSpec OUT_L(uint8_t i) {
    return {ArgKind::out_len, i, 0};
}
constexpr ArgSpec IO_L(uint8_t i) {
    return {ArgKind::inout_len, i, 0};
}
constexpr ArgSpec IN_A(uint8_t i, uint16_t n) {
    return {ArgKind::in_array, i, n};
}
constexpr ArgSpec OUT_A(uint8_t i, uint16_t n) {
    return {ArgKind::out_array, i, n};
}
constexpr ArgSpec IO_A(uint8_t i, uint16_t n) {
    return {ArgKind::inout_array, i, n};
}
constexpr ArgSpec IOV_IN(uint8_t i) {
    return {ArgKind::iov_in, i, 16};
}
constexpr ArgSpec IOV_OUT(uint8_t i) {
    return {ArgKind::iov_out, i, 16};
}
constexpr ArgSpec SOCKADDR(uint8_t i) {
    return {ArgKind::sockaddr, i, 0};
}
constexpr ArgSpec FDSET(uint8_t i) {
    return {ArgKind::fd_set, i, 0};
}
constexpr ArgSpec SIGMASK(uint8_t i) {
    return {ArgKind::sigmask, i, 0};
}
constexpr ArgSpec POLLFDS(uint8_t i) {
    return {ArgKind::pollfds, i, 8};
}
constexpr ArgSpec RLIMIT_IN(uint8_t i) {
    return {ArgKind::rlimit_in, i, 16};
}
constexpr ArgSpec OPTVAL_IN(uint8_t i) {
    return {ArgKind::optval_in, i, 0};
}
constexpr ArgSpec OPTVAL_OUT(uint8_t i) {
    return {ArgKind::optval_out, i, 0};
}
} // namespace arg

struct SyscallInfo {
    uint16_t nr;
    const char* name;
    Policy policy;
    NativeHandler native;
    ArgSpec args[6];
};

inline constexpr SyscallInfo syscall_table[] = {
#define CK_SYSCALL(nr, name, policy, native, a0, a1, a2, a3, a4, a5)                                         \
    {nr,                                                                                                     \
     #name,                                                                                                  \
     Policy::policy,                                                                                         \
     NativeHandler::native,                                                                                  \
     {arg::a0, arg::a1, arg::a2, arg::a3, arg::a4, arg::a5}},
#include "syscalls.def"
#undef CK_SYSCALL
};

inline constexpr size_t syscall_count = sizeof(syscall_table) / sizeof(syscall_table[0]);
// Numbers at or above this are never syscalls we know.
inline constexpr uint32_t syscall_nr_limit = 512;

namespace detail {
struct NrIndex {
    int16_t slot[syscall_nr_limit];
};
constexpr NrIndex build_index() {
    NrIndex idx{};
    for (auto& s : idx.slot) {
        s = -1;
    }
    for (size_t i = 0; i < syscall_count; ++i) {
        idx.slot[syscall_table[i].nr] = static_cast<int16_t>(i);
    }
    return idx;
}
inline constexpr NrIndex nr_index = build_index();

constexpr bool same_name(const char* a, const char* b, size_t blen) {
    size_t i = 0;
    for (; i < blen; ++i) {
        if (a[i] != b[i]) {
            return false;
        }
    }
    return a[i] == '\0';
}
} // namespace detail

// nullptr: not a syscall number we know (the caller answers -ENOSYS).
constexpr const SyscallInfo* syscall_info(uint64_t nr) {
    if (nr >= syscall_nr_limit || detail::nr_index.slot[nr] < 0) {
        return nullptr;
    }
    return &syscall_table[detail::nr_index.slot[nr]];
}

// Looks up name[0, len) (no NUL needed); nullptr if unknown.
constexpr const SyscallInfo* syscall_by_name(const char* name, size_t len) {
    for (size_t i = 0; i < syscall_count; ++i) {
        if (detail::same_name(syscall_table[i].name, name, len)) {
            return &syscall_table[i];
        }
    }
    return nullptr;
}

constexpr const char* policy_name(Policy p) {
    switch (p) {
    case Policy::native_only:
        return "native-only";
    case Policy::native:
        return "native";
    case Policy::delegated:
        return "delegated";
    case Policy::denied:
        return "denied";
    }
    return "?";
}

// A syscall can be delegated only if every argument is classified (no RAW) and it is not native-only.
constexpr bool can_delegate(const SyscallInfo& s) {
    if (s.policy == Policy::native_only) {
        return false;
    }
    for (const ArgSpec& a : s.args) {
        if (a.kind == ArgKind::raw) {
            return false;
        }
    }
    return true;
}

static_assert(syscall_info(0)->nr == 0 && syscall_info(450)->nr == 450 && syscall_info(335) == nullptr);
constexpr bool length_indices_valid() {
    for (const SyscallInfo& s : syscall_table) {
        for (const ArgSpec& a : s.args) {
            if (a.arg >= 6) {
                return false;
            }
        }
    }
    return true;
}
static_assert(length_indices_valid(), "syscalls.def: a length or count index is not an argument");

// What the `native` column may say for each policy: a `native` syscall has its own handler (else it should
// be delegated); a `native_only` one its own or, until it is implemented, the shared -ENOSYS one; delegated
// and denied ones none, so nothing native can be missed and nothing else reaches a native handler.
constexpr bool native_handler_fits(const SyscallInfo& s) {
    switch (s.policy) {
    case Policy::native:
        return s.native == NativeHandler::sys;
    case Policy::native_only:
        return s.native == NativeHandler::sys || s.native == NativeHandler::enosys;
    case Policy::delegated:
    case Policy::denied:
        return s.native == NativeHandler::none;
    }
    return false;
}
constexpr bool native_handlers_fit() {
    for (const SyscallInfo& s : syscall_table) {
        if (!native_handler_fits(s)) {
            return false;
        }
    }
    return true;
}
static_assert(native_handlers_fit(), "syscalls.def: a `native` column does not fit the entry's policy");

} // namespace ck::deleg

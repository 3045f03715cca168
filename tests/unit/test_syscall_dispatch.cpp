// The co-kernel's syscall dispatch (cokernel/syscall/): the table generated from delegation/syscalls.def
// and the route each number takes, for the default policy and for what the launcher's --delegate and
// --deny bits make of it, and the compile-time checks that tie the handlers to the table, each shown failing
// on a broken list. Compiled on the host from the co-kernel's own headers; the handlers themselves are not
// linked (the table holds slots, not function addresses).
#include "native_table.hpp"
#include "policy.hpp"
#include "route.hpp"
#include "syscall_table.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <string>
#include <sys/syscall.h>
#include <vector>

using ck::HandlerList;
using ck::NO_HANDLER;
using ck::NOT_IMPLEMENTED;
using ck::Route;
using ck::SyscallList;
using ck::SyscallPolicy;
using namespace ck::deleg;

namespace {

const SyscallInfo& by_name(const std::string& name) {
    const SyscallInfo* s = syscall_by_name(name.data(), name.size());
    REQUIRE(s != nullptr);
    return *s;
}

// The bits as the launcher writes them (launcher/src/job_proxy.cpp) from a PolicySet.
SyscallPolicy bits_of(const PolicySet& policy) {
    SyscallPolicy bits;
    for (uint32_t nr = 0; nr < syscall_nr_limit; ++nr) {
        const SyscallInfo* info = syscall_info(nr);
        if (info == nullptr) {
            continue;
        }
        const Policy p = policy.effective(nr);
        if (p == Policy::delegated && info->policy == Policy::native) {
            bits.delegate_native[nr / 8] =
                static_cast<uint8_t>(bits.delegate_native[nr / 8] | (1u << (nr % 8)));
        }
        if (p == Policy::denied && info->policy != Policy::denied) {
            bits.deny[nr / 8] = static_cast<uint8_t>(bits.deny[nr / 8] | (1u << (nr % 8)));
        }
    }
    return bits;
}

uint16_t slot_of(uint64_t nr) {
    return ck::native_table.slot[nr];
}

bool has_own_handler(uint64_t nr) {
    return slot_of(nr) != NO_HANDLER && slot_of(nr) != NOT_IMPLEMENTED;
}

} // namespace

TEST_CASE("the dispatch table has what syscalls.def's native column says, for every number",
          "[syscall][dispatch]") {
    size_t own = 0;
    size_t not_implemented = 0;
    for (uint32_t nr = 0; nr < syscall_nr_limit; ++nr) {
        const SyscallInfo* s = syscall_info(nr);
        const uint16_t slot = slot_of(nr);
        INFO("nr " << nr << (s != nullptr ? std::string(" ") + s->name : std::string(" (not in the table)")));
        if (s == nullptr) {
            CHECK(slot == NO_HANDLER);
            continue;
        }
        switch (s->native) {
        case NativeHandler::sys:
            REQUIRE(slot < ck::native_handler_count);
            CHECK(std::string(ck::native_handler_names[slot]) == s->name); // sys_<name> serves <name>
            ++own;
            break;
        case NativeHandler::enosys:
            CHECK(slot == NOT_IMPLEMENTED);
            CHECK(s->policy == Policy::native_only);
            ++not_implemented;
            break;
        case NativeHandler::none:
            CHECK(slot == NO_HANDLER);
            CHECK((s->policy == Policy::delegated || s->policy == Policy::denied));
            break;
        }
        const bool native = s->policy == Policy::native || s->policy == Policy::native_only;
        CHECK(native == (slot != NO_HANDLER)); // no native syscall without a co-kernel handler
    }
    CHECK(own == 61);
    CHECK(own == ck::native_handler_count); // every handler serves exactly one syscall
    CHECK(not_implemented == 30);
}

TEST_CASE("the native handlers are the ones docs/run.md lists, and fork, exec and wait are not yet",
          "[syscall][dispatch]") {
    for (const char* n : {"brk",
                          "mmap",
                          "munmap",
                          "mremap",
                          "mprotect",
                          "madvise",
                          "arch_prctl",
                          "set_tid_address",
                          "getpid",
                          "gettid",
                          "set_robust_list",
                          "sched_yield",
                          "rseq",
                          "rt_sigaction",
                          "rt_sigprocmask",
                          "sigaltstack",
                          "kill",
                          "tkill",
                          "tgkill",
                          "exit",
                          "exit_group",
                          "clock_gettime",
                          "gettimeofday",
                          "time",
                          "clock_getres",
                          "nanosleep",
                          "clock_nanosleep",
                          "uname",
                          "getrandom",
                          "clone",
                          "clone3",
                          "futex",
                          "sched_getaffinity",
                          "sched_setaffinity",
                          "getcpu",
                          "get_robust_list",
                          "rt_sigreturn",
                          "rt_sigpending",
                          "rt_sigsuspend",
                          "pause",
                          "rt_sigtimedwait",
                          "rt_sigqueueinfo",
                          "rt_tgsigqueueinfo",
                          "alarm",
                          "setitimer",
                          "getitimer",
                          "getrusage",
                          "times",
                          "mlock",
                          "mlockall",
                          "mincore",
                          "msync",
                          "sched_getscheduler",
                          "sched_getparam",
                          "sysinfo"}) {
        INFO(n);
        CHECK(has_own_handler(by_name(n).nr));
    }
    for (const char* n :
         {"fork", "vfork", "execve", "wait4", "waitid", "futex_waitv", "timer_create", "timer_settime"}) {
        INFO(n);
        CHECK(slot_of(by_name(n).nr) == NOT_IMPLEMENTED);
    }
    for (const char* n : {"read", "write", "openat", "ioctl", "ptrace", "mount"}) {
        INFO(n);
        CHECK(slot_of(by_name(n).nr) == NO_HANDLER);
    }
}

namespace {
// The route a syscall of policy p must take (a syscall's own policy, or the proxy's effective one).
Route route_of(Policy p) {
    switch (p) {
    case Policy::native:
    case Policy::native_only:
        return Route::native;
    case Policy::delegated:
        return Route::proxy;
    case Policy::denied:
        return Route::refuse;
    }
    return Route::unknown;
}
} // namespace

TEST_CASE("with the default policy native syscalls stay in the co-kernel and only delegated ones reach the "
          "proxy",
          "[syscall][dispatch]") {
    const SyscallPolicy none{};
    for (uint32_t nr = 0; nr < syscall_nr_limit; ++nr) {
        const SyscallInfo* s = syscall_info(nr);
        const Route r = ck::route(nr, none);
        if (s == nullptr) {
            CHECK(r == Route::unknown);
            continue;
        }
        INFO(s->name);
        CHECK(r == route_of(s->policy));
        if (r == Route::native) {
            CHECK(slot_of(nr) != NO_HANDLER); // route native always finds a handler
        }
    }
    for (uint64_t nr : {uint64_t{335}, uint64_t{423}, uint64_t{451}, uint64_t{511}, uint64_t{512},
                        uint64_t{1} << 32, ~uint64_t{0}}) {
        INFO(nr);
        CHECK(ck::route(nr, none) == Route::unknown);
    }
}

TEST_CASE(
    "policy bits of --delegate and --deny: the co-kernel routes every number as the proxy's policy says",
    "[syscall][dispatch]") {
    PolicySet policy;
    REQUIRE(policy.delegate("clock_gettime,uname,getrandom,sched_yield").empty());
    REQUIRE(policy.deny("write,openat,nanosleep").empty());
    const SyscallPolicy bits = bits_of(policy);
    CHECK(ck::route(SYS_clock_gettime, bits) == Route::proxy);
    CHECK(ck::route(SYS_getrandom, bits) == Route::proxy);
    CHECK(ck::route(SYS_write, bits) == Route::refuse);
    CHECK(ck::route(SYS_nanosleep, bits) == Route::refuse);
    CHECK(ck::route(SYS_gettimeofday, bits) == Route::native);
    CHECK(ck::route(SYS_brk, bits) == Route::native);
    CHECK(ck::route(SYS_read, bits) == Route::proxy);
    // Every number: what the proxy executes is exactly what it considers delegated; what it considers
    // native (it would answer -ENOSYS) never reaches it; denied is refused in the co-kernel.
    for (uint32_t nr = 0; nr < syscall_nr_limit; ++nr) {
        const SyscallInfo* s = syscall_info(nr);
        if (s == nullptr) {
            continue;
        }
        INFO(s->name);
        const Route r = ck::route(nr, bits);
        CHECK(r == route_of(policy.effective(nr)));
    }
}

TEST_CASE("policy bits a launcher never writes: deny wins, and a native-only syscall is never delegated",
          "[syscall][dispatch]") {
    SyscallPolicy all{};
    std::memset(all.delegate_native, 0xff, sizeof all.delegate_native);
    for (uint32_t nr = 0; nr < syscall_nr_limit; ++nr) {
        const SyscallInfo* s = syscall_info(nr);
        if (s == nullptr) {
            CHECK(ck::route(nr, all) == Route::unknown);
            continue;
        }
        INFO(s->name);
        const Route r = ck::route(nr, all);
        CHECK(r != Route::native);
        if (s->policy == Policy::native_only) {
            CHECK(r == Route::not_implemented); // -ENOSYS, as before the table: it cannot go to the proxy
        }
        if (r == Route::proxy) {
            CHECK(can_delegate(*s));
        }
    }
    std::memset(all.deny, 0xff, sizeof all.deny);
    for (uint32_t nr = 0; nr < syscall_nr_limit; ++nr) {
        CHECK(ck::route(nr, all) == Route::refuse);
    }
    CHECK(ck::route(syscall_nr_limit, all) == Route::unknown); // the bitmaps end at 511
}

TEST_CASE("the build-time checks fail for a handler without a `sys` entry, a `sys` entry without a handler "
          "and a handler listed twice",
          "[syscall][dispatch]") {
    namespace check = ck::native_check;
    CHECK(check::marked_without_handler(ck::def_syscalls, ck::native_handlers) == nullptr);
    CHECK(check::handler_not_marked(ck::def_syscalls, ck::native_handlers) == nullptr);
    CHECK(check::handler_twice(ck::native_handlers) == nullptr);

    // The real list less brk: brk is `sys` in syscalls.def and has no handler.
    std::vector<const char*> names(ck::native_handler_names,
                                   ck::native_handler_names + ck::native_handler_count);
    std::vector<const char*> less;
    for (const char* n : names) {
        if (std::string(n) != "brk") {
            less.push_back(n);
        }
    }
    REQUIRE(less.size() + 1 == names.size());
    const char* missing =
        check::marked_without_handler(ck::def_syscalls, HandlerList{less.data(), less.size()});
    REQUIRE(missing != nullptr);
    CHECK(std::string(missing) == "brk");

    // The real list and a handler for read, which syscalls.def delegates.
    std::vector<const char*> more = names;
    more.push_back("read");
    const char* extra = check::handler_not_marked(ck::def_syscalls, HandlerList{more.data(), more.size()});
    REQUIRE(extra != nullptr);
    CHECK(std::string(extra) == "read");
    // ... or for a name the table does not have at all.
    more.back() = "bogus";
    extra = check::handler_not_marked(ck::def_syscalls, HandlerList{more.data(), more.size()});
    REQUIRE(extra != nullptr);
    CHECK(std::string(extra) == "bogus");

    // A table whose uname entry says `enosys` leaves the uname handler without an entry.
    std::vector<SyscallInfo> table(syscall_table, syscall_table + syscall_count);
    for (SyscallInfo& s : table) {
        if (std::string(s.name) == "uname") {
            s.native = NativeHandler::enosys;
        }
    }
    extra = check::handler_not_marked(SyscallList{table.data(), table.size()}, ck::native_handlers);
    REQUIRE(extra != nullptr);
    CHECK(std::string(extra) == "uname");

    std::vector<const char*> twice = names;
    twice.push_back("mmap");
    const char* dup = check::handler_twice(HandlerList{twice.data(), twice.size()});
    REQUIRE(dup != nullptr);
    CHECK(std::string(dup) == "mmap");
}

TEST_CASE("the generated table gives each `sys` syscall its handler's slot, whatever the list's order",
          "[syscall][dispatch]") {
    std::vector<const char*> reversed(ck::native_handler_names,
                                      ck::native_handler_names + ck::native_handler_count);
    std::reverse(reversed.begin(), reversed.end());
    const HandlerList list{reversed.data(), reversed.size()};
    const ck::NativeTable t = ck::native_check::build(ck::def_syscalls, list);
    for (uint32_t nr = 0; nr < syscall_nr_limit; ++nr) {
        const SyscallInfo* s = syscall_info(nr);
        INFO("nr " << nr);
        if (s == nullptr || s->native != NativeHandler::sys) {
            CHECK(t.slot[nr] == slot_of(nr)); // the same NO_HANDLER / NOT_IMPLEMENTED
            continue;
        }
        REQUIRE(t.slot[nr] < reversed.size());
        CHECK(std::string(reversed[t.slot[nr]]) == s->name);
        CHECK(t.slot[nr] == ck::native_handler_count - 1 - slot_of(nr));
    }
}

// The syscall table (delegation/syscalls.def): complete, unique, and the policies the design names.
#include "syscall_table.hpp"
#include "validate.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <sys/syscall.h>

using namespace ck::deleg;

TEST_CASE("syscall table names every x86-64 syscall 0..334 and 424..450 once", "[deleg][table]") {
    CHECK(syscall_count == 335 + 27);
    std::set<std::string> names;
    for (uint32_t nr = 0; nr < syscall_nr_limit; ++nr) {
        const SyscallInfo* s = syscall_info(nr);
        const bool expected = nr <= 334 || (nr >= 424 && nr <= 450);
        INFO("nr " << nr);
        REQUIRE((s != nullptr) == expected);
        if (s != nullptr) {
            CHECK(s->nr == nr);
            CHECK(names.insert(s->name).second);
        }
    }
    CHECK(syscall_info(1000) == nullptr);
    CHECK(syscall_info(~uint64_t{0}) == nullptr);
}

TEST_CASE("syscall table numbers agree with the C library's", "[deleg][table]") {
    CHECK(syscall_by_name("read", 4)->nr == SYS_read);
    CHECK(syscall_by_name("openat", 6)->nr == SYS_openat);
    CHECK(syscall_by_name("getdents64", 10)->nr == SYS_getdents64);
    CHECK(syscall_by_name("statx", 5)->nr == SYS_statx);
    CHECK(syscall_by_name("clone3", 6)->nr == SYS_clone3);
    CHECK(syscall_by_name("set_mempolicy_home_node", 23)->nr == 450);
    CHECK(syscall_by_name("open", 4)->nr == SYS_open);   // not openat: the whole name must match
    CHECK(syscall_by_name("openat", 4)->nr == SYS_open); // only the first len characters count
    CHECK(syscall_by_name("opena", 5) == nullptr);
    CHECK(syscall_by_name("", 0) == nullptr);
}

TEST_CASE("the hot syscalls are native and can_delegate follows the argument kinds", "[deleg][table]") {
    for (const char* n :
         {"brk", "mmap", "munmap", "mprotect", "arch_prctl", "set_tid_address", "exit", "exit_group",
          "getpid", "gettid", "rt_sigaction", "rt_sigprocmask", "futex", "clone"}) {
        INFO(n);
        const SyscallInfo* s = syscall_by_name(n, std::string(n).size());
        REQUIRE(s != nullptr);
        CHECK(s->policy == Policy::native_only);
        CHECK_FALSE(can_delegate(*s));
    }
    for (const char* n :
         {"clock_gettime", "gettimeofday", "nanosleep", "sched_yield", "uname", "getrandom"}) {
        INFO(n);
        const SyscallInfo* s = syscall_by_name(n, std::string(n).size());
        CHECK(s->policy == Policy::native);
        CHECK(can_delegate(*s));
    }
    for (const char* n : {"read", "write", "openat", "close", "fstat", "getdents64", "ioctl", "recvmsg"}) {
        INFO(n);
        CHECK(syscall_by_name(n, std::string(n).size())->policy == Policy::delegated);
    }
    CHECK(syscall_by_name("ptrace", 6)->policy == Policy::denied);
    for (const char* n : {"process_vm_readv", "process_vm_writev", "pidfd_open", "pidfd_getfd", "kcmp",
                          "pidfd_send_signal", "process_madvise", "prctl", "seccomp", "setns", "unshare"}) {
        INFO(n); // they act on the proxy's process instead of the job's
        CHECK(syscall_by_name(n, std::string(n).size())->policy == Policy::denied);
    }
    CHECK(syscall_by_name("pselect6", 8)->policy == Policy::delegated);
    CHECK(writebacks_fit());
    CHECK_FALSE(can_delegate(*syscall_by_name("prctl", 5))); // RAW arguments
}

TEST_CASE("every delegated syscall is fully classified and its length indices are in range",
          "[deleg][table]") {
    size_t delegated = 0;
    for (const SyscallInfo& s : syscall_table) {
        INFO(s.name);
        if (s.policy == Policy::delegated) {
            ++delegated;
            CHECK(can_delegate(s));
        }
        for (const ArgSpec& a : s.args) {
            CHECK(a.arg < 6);
            if (a.kind == ArgKind::sockaddr || a.kind == ArgKind::optval_out) {
                CHECK(s.args[a.arg].kind == ArgKind::socklen);
            }
            if (a.kind == ArgKind::fd_set) {
                CHECK(s.args[a.arg].kind == ArgKind::nfds);
            }
        }
    }
    CHECK(delegated > 150);
}

TEST_CASE("the native column fits each entry's policy", "[deleg][table]") {
    std::set<std::string> enosys;
    for (const SyscallInfo& s : syscall_table) {
        INFO(s.name);
        CHECK(native_handler_fits(s));
        if (s.native == NativeHandler::enosys) {
            enosys.insert(s.name);
        }
    }
    CHECK(native_handlers_fit());
    CHECK(enosys.count("clone3") == 0); // threads are native (issue 9, item 2)
    CHECK(enosys.count("fork") == 1);   // new processes are not yet (issue 10)
    CHECK(enosys.count("mremap") == 0); // the job space implements it (issue 9, item 1)
    SyscallInfo broken = *syscall_info(SYS_brk);
    broken.native = NativeHandler::none;
    CHECK_FALSE(native_handler_fits(broken)); // a native-only syscall with no handler at all
    broken = *syscall_info(SYS_clock_gettime);
    broken.native = NativeHandler::enosys;
    CHECK_FALSE(native_handler_fits(broken)); // a native syscall without a handler should be delegated
    broken = *syscall_info(SYS_read);
    broken.native = NativeHandler::sys;
    CHECK_FALSE(native_handler_fits(broken)); // a delegated syscall never reaches a co-kernel handler
}

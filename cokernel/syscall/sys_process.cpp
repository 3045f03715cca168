// Identity, the calling thread's own state (TLS, robust list, rseq) and exit (docs/run.md, "What is
// native"). The first thread's tid is the process's pid; exit ends one thread, exit_group all of them
// (proc/exit.hpp).
#include "cpu.hpp"
#include "errno.hpp"
#include "exit.hpp"
#include "handlers.hpp"
#include "mem.hpp"
#include "process.hpp"
#include "thread.hpp"

namespace ck {
namespace {
constexpr uint32_t MSR_FS_BASE = 0xc0000100;
} // namespace

SysRet sys_getpid(Thread& self, const Syscall&) {
    return self.process->id.pid;
}

SysRet sys_gettid(Thread& self, const Syscall&) {
    return self.tid;
}

// At the thread's exit the word is zeroed and a futex waiter on it woken (pthread_join).
SysRet sys_set_tid_address(Thread& self, const Syscall& call) {
    self.clear_child_tid = call.arg[0];
    return self.tid;
}

// struct robust_list_head is 24 bytes; its list is walked at the thread's exit (sys_futex.cpp).
SysRet sys_set_robust_list(Thread& self, const Syscall& call) {
    if (call.arg[1] != 24) {
        return -EINVAL;
    }
    self.robust_list = call.arg[0];
    return 0;
}

// pid 0: the caller; otherwise one of the job's threads by tid.
SysRet sys_get_robust_list(Thread& self, const Syscall& call) {
    const Thread* t = call.arg[0] == 0 ? &self : self.process->find_thread(call.arg[0]);
    if (t == nullptr) {
        return -ESRCH;
    }
    uint8_t* head = self.process->mem.ptr(call.arg[1], 8);
    uint8_t* len = self.process->mem.ptr(call.arg[2], 8);
    if (head == nullptr || len == nullptr) {
        return -EFAULT;
    }
    const uint64_t size = 24;
    memcpy(head, &t->robust_list, 8);
    memcpy(len, &size, 8);
    return 0;
}

// glibc goes on without rseq; the answer must stay the same for every thread (DESIGN.md, section 8).
SysRet sys_rseq(Thread&, const Syscall&) {
    return -ENOSYS;
}

SysRet sys_arch_prctl(Thread& self, const Syscall& call) {
    constexpr uint64_t ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003;
    if (call.arg[0] == ARCH_SET_FS) {
        if (call.arg[1] >= 0x0000800000000000ULL) {
            return -EPERM;
        }
        self.fs_base = call.arg[1];
        arch::wrmsr(MSR_FS_BASE, self.fs_base);
        return 0;
    }
    if (call.arg[0] == ARCH_GET_FS) {
        uint8_t* p = self.process->mem.ptr(call.arg[1], 8);
        if (p == nullptr) {
            return -EFAULT;
        }
        const uint64_t fs = arch::rdmsr(MSR_FS_BASE); // what it is now (a selector load may have changed it)
        memcpy(p, &fs, 8);
        return 0;
    }
    return -EINVAL;
}

// The calling thread; the last one's status is the process's.
SysRet sys_exit(Thread& self, const Syscall& call) {
    thread_exit(self, static_cast<int32_t>(call.arg[0] & 0xff));
}

// Every thread, wherever it runs or waits (threads blocked in delegated calls included).
SysRet sys_exit_group(Thread& self, const Syscall& call) {
    process_kill(*self.process, static_cast<int32_t>(call.arg[0] & 0xff), 0);
    thread_exit(self, 0);
}

} // namespace ck

// Identity, the calling thread's own state (TLS, robust list, rseq) and exit (docs/run.md, "What is
// native"). One thread per job today: its tid is the process's pid, and its exit is the job's end.
#include "cpu.hpp"
#include "errno.hpp"
#include "handlers.hpp"
#include "job.hpp"
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

// clear_child_tid is not kept yet: nothing waits on a thread's end (no clone).
SysRet sys_set_tid_address(Thread& self, const Syscall&) {
    return self.tid;
}

// Accepted; robust futexes are not cleaned up at exit (no futex yet).
SysRet sys_set_robust_list(Thread&, const Syscall&) {
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

// With one thread, its exit is the job's; with clone (issue 9) it ends only the calling thread, and the last
// one's ends the process.
SysRet sys_exit(Thread&, const Syscall& call) {
    job_end(static_cast<int32_t>(call.arg[0] & 0xff), 0);
}

SysRet sys_exit_group(Thread&, const Syscall& call) {
    job_end(static_cast<int32_t>(call.arg[0] & 0xff), 0);
}

} // namespace ck

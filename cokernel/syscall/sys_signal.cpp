// Signals (docs/run.md, "What is native"): none is ever delivered to a job yet, so the calls C libraries make
// at start-up are accepted with old values reading as zero, and a signal a job sends itself (abort, raise)
// ends it as that signal would.
#include "console.hpp"
#include "errno.hpp"
#include "exit.hpp"
#include "handlers.hpp"
#include "process.hpp"
#include "thread.hpp"
#include "user_copy.hpp"

namespace ck {
namespace {

// kill, tkill, tgkill: the job is the only process it can name, so sig (non-zero) ends it, every thread.
SysRet signal_self(Thread& self, uint64_t sig) {
    if (sig == 0) {
        return 0;
    }
    if (sig > 64) {
        return -EINVAL;
    }
    kprintf("job: killed itself with signal %lu\n", sig);
    process_kill(*self.process, static_cast<int32_t>(128 + sig), static_cast<uint32_t>(sig));
    thread_exit(self, 0);
}

} // namespace

// The old action reads as SIG_DFL.
SysRet sys_rt_sigaction(Thread& self, const Syscall& call) {
    return zero_out(self.process->mem, call.arg[2], 32) ? 0 : -EFAULT;
}

SysRet sys_rt_sigprocmask(Thread& self, const Syscall& call) {
    return zero_out(self.process->mem, call.arg[2], call.arg[3] > 128 ? 128 : call.arg[3]) ? 0 : -EFAULT;
}

SysRet sys_sigaltstack(Thread& self, const Syscall& call) {
    return zero_out(self.process->mem, call.arg[1], 24) ? 0 : -EFAULT;
}

SysRet sys_kill(Thread& self, const Syscall& call) {
    return signal_self(self, call.arg[1]);
}

SysRet sys_tkill(Thread& self, const Syscall& call) {
    if (static_cast<int64_t>(call.arg[0]) <= 0) {
        return -EINVAL;
    }
    if (self.process->find_thread(call.arg[0]) == nullptr) {
        return -ESRCH;
    }
    return signal_self(self, call.arg[1]);
}

SysRet sys_tgkill(Thread& self, const Syscall& call) {
    if (static_cast<int64_t>(call.arg[0]) <= 0 || static_cast<int64_t>(call.arg[1]) <= 0) {
        return -EINVAL;
    }
    if (call.arg[0] != self.process->id.pid || self.process->find_thread(call.arg[1]) == nullptr) {
        return -ESRCH;
    }
    return signal_self(self, call.arg[2]);
}

} // namespace ck

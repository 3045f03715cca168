// Signals (docs/run.md, "What is native"): none is ever delivered to a job yet, so the calls C libraries make
// at start-up are accepted with old values reading as zero, and a signal a job sends itself (abort, raise)
// ends it as that signal would.
#include "console.hpp"
#include "errno.hpp"
#include "handlers.hpp"
#include "job.hpp"
#include "process.hpp"
#include "thread.hpp"
#include "user_copy.hpp"

namespace ck {
namespace {

// kill, tkill, tgkill: the job is the only process it can name, so sig (non-zero) ends it.
SysRet signal_self(uint64_t sig) {
    if (sig == 0) {
        return 0;
    }
    if (sig > 64) {
        return -EINVAL;
    }
    kprintf("job: killed itself with signal %lu\n", sig);
    job_end(static_cast<int32_t>(128 + sig), static_cast<uint32_t>(sig));
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

SysRet sys_kill(Thread&, const Syscall& call) {
    return signal_self(call.arg[1]);
}

SysRet sys_tkill(Thread&, const Syscall& call) {
    return signal_self(call.arg[1]);
}

SysRet sys_tgkill(Thread&, const Syscall& call) {
    return signal_self(call.arg[2]);
}

} // namespace ck

// Signal syscalls (docs/run.md, "Signals"), native: actions, masks, the alternate stack, waiting for signals,
// sigreturn, and signals the job sends itself or its threads (proc/signal.hpp does the work). The job is the
// only process it can name: kill() of any other pid is -ESRCH.
#include "clocks.hpp"
#include "cpu.hpp"
#include "errno.hpp"
#include "handlers.hpp"
#include "mem.hpp"
#include "process.hpp"
#include "sched.hpp"
#include "signal.hpp"
#include "thread.hpp"

namespace ck {
namespace {

using namespace sig;

constexpr uint64_t SIGSET_SIZE = 8;

bool read_mask(const Process& p, uint64_t addr, uint64_t& out) {
    const uint8_t* m = p.mem.ptr(addr, 8);
    if (m == nullptr) {
        return false;
    }
    memcpy(&out, m, 8);
    return true;
}

bool write_bytes(const Process& p, uint64_t addr, const void* v, uint64_t n) {
    uint8_t* m = p.mem.ptr(addr, n);
    if (m == nullptr) {
        return false;
    }
    memcpy(m, v, n);
    return true;
}

SigInfo user_info(const Thread& self, int s, int code) {
    SigInfo si{};
    si.signo = s;
    si.code = code;
    si.u.kill.pid = static_cast<int32_t>(self.process->id.pid);
    si.u.kill.uid = self.process->id.uid;
    return si;
}

// The checks of kill/tkill/tgkill on sig: 0 asks only whether the target exists.
bool bad_signal(uint64_t s) {
    return s > static_cast<uint64_t>(NSIG);
}

} // namespace

SysRet sys_rt_sigaction(Thread& self, const Syscall& call) {
    const auto s = static_cast<int64_t>(call.arg[0]);
    if (call.arg[3] != SIGSET_SIZE || !valid(s)) {
        return -EINVAL;
    }
    Process& p = *self.process;
    KSigaction act{};
    if (call.arg[1] != 0) {
        const uint8_t* a = p.mem.ptr(call.arg[1], sizeof act);
        if (a == nullptr) {
            return -EFAULT;
        }
        memcpy(&act, a, sizeof act);
        if (s == SIGKILL || s == SIGSTOP) {
            return -EINVAL;
        }
        act.flags &= ~SA_UNSUPPORTED & ~SA_EXPOSE_TAGBITS; // the bits a caller probes for support with
    }
    if (call.arg[2] != 0 && p.mem.ptr(call.arg[2], sizeof(KSigaction)) == nullptr) {
        return -EFAULT;
    }
    KSigaction old{};
    signal_set_action(p, static_cast<int>(s), call.arg[1] != 0 ? &act : nullptr, &old);
    return call.arg[2] == 0 || write_bytes(p, call.arg[2], &old, sizeof old) ? 0 : -EFAULT;
}

SysRet sys_rt_sigprocmask(Thread& self, const Syscall& call) {
    if (call.arg[3] != SIGSET_SIZE) {
        return -EINVAL;
    }
    Process& p = *self.process;
    const uint64_t old = __atomic_load_n(&self.sig.blocked, __ATOMIC_RELAXED);
    if (call.arg[1] != 0) {
        const auto how = static_cast<int64_t>(call.arg[0]);
        if (how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK) {
            return -EINVAL;
        }
        uint64_t set = 0;
        if (!read_mask(p, call.arg[1], set)) {
            return -EFAULT;
        }
        signal_set_mask(self, static_cast<int>(how), set);
    }
    return call.arg[2] == 0 || write_bytes(p, call.arg[2], &old, 8) ? 0 : -EFAULT;
}

SysRet sys_rt_sigpending(Thread& self, const Syscall& call) {
    if (call.arg[1] > SIGSET_SIZE) {
        return -EINVAL;
    }
    const uint64_t set = signal_blocked_pending(self);
    return write_bytes(*self.process, call.arg[0], &set, call.arg[1]) || call.arg[1] == 0 ? 0 : -EFAULT;
}

SysRet sys_rt_sigsuspend(Thread& self, const Syscall& call) {
    if (call.arg[1] != SIGSET_SIZE) {
        return -EINVAL;
    }
    uint64_t mask = 0;
    if (!read_mask(*self.process, call.arg[0], mask)) {
        return -EFAULT;
    }
    return signal_suspend(self, mask);
}

SysRet sys_pause(Thread& self, const Syscall&) {
    return signal_suspend(self, __atomic_load_n(&self.sig.blocked, __ATOMIC_RELAXED));
}

// rt_sigtimedwait(set, info, timeout, sigsetsize): the timeout is relative, CLOCK_MONOTONIC.
SysRet sys_rt_sigtimedwait(Thread& self, const Syscall& call) {
    if (call.arg[3] != SIGSET_SIZE) {
        return -EINVAL;
    }
    Process& p = *self.process;
    uint64_t set = 0;
    if (!read_mask(p, call.arg[0], set)) {
        return -EFAULT;
    }
    uint64_t deadline = 0;
    if (call.arg[2] != 0) {
        const uint8_t* ts = p.mem.ptr(call.arg[2], 16);
        if (ts == nullptr) {
            return -EFAULT;
        }
        int64_t sec = 0, nsec = 0;
        memcpy(&sec, ts, 8);
        memcpy(&nsec, ts + 8, 8);
        if (sec < 0 || nsec < 0 || nsec >= 1000000000) {
            return -EINVAL;
        }
        const uint64_t ns = static_cast<uint64_t>(sec) * 1000000000u + static_cast<uint64_t>(nsec);
        deadline = ns == 0 ? 1 : tsc_after_ns(ns);
    }
    SigInfo info{};
    const int64_t r = signal_wait(self, set, info, deadline);
    if (r > 0 && call.arg[1] != 0 && !write_bytes(p, call.arg[1], &info, sizeof info)) {
        return -EFAULT;
    }
    return r;
}

SysRet sys_rt_sigreturn(Thread& self, const Syscall&) {
    return signal_return(self, *self.user_frame());
}

SysRet sys_sigaltstack(Thread& self, const Syscall& call) {
    Process& p = *self.process;
    const uint64_t sp = self.user_frame()->rsp;
    const StackT old = alt_stack_value(self.sig.alt, sp);
    if (call.arg[0] != 0) {
        StackT ss{};
        const uint8_t* u = p.mem.ptr(call.arg[0], sizeof ss);
        if (u == nullptr) {
            return -EFAULT;
        }
        memcpy(&ss, u, sizeof ss);
        if (call.arg[1] != 0 && p.mem.ptr(call.arg[1], sizeof old) == nullptr) {
            return -EFAULT;
        }
        p.lock.lock();
        const int64_t r = alt_stack_set(self.sig.alt, ss, sp);
        p.lock.unlock();
        if (r != 0) {
            return r;
        }
    }
    return call.arg[1] == 0 || write_bytes(p, call.arg[1], &old, sizeof old) ? 0 : -EFAULT;
}

// kill(pid, sig): the job's own pid, 0 (its group) or -pid (the group by id) name the job; -1 is every
// process the user may signal but the caller, of which the job sees none (Linux: ESRCH when none was).
// Linux's order for the senders: the target first (ESRCH), then the signal number (EINVAL); 0 sends nothing.
SysRet sys_kill(Thread& self, const Syscall& call) {
    Process& p = *self.process;
    const auto pid = static_cast<int32_t>(call.arg[0]);
    const auto me = static_cast<int32_t>(p.id.pid);
    if (pid != me && pid != 0 && pid != -me) {
        return -ESRCH;
    }
    if (bad_signal(call.arg[1])) {
        return -EINVAL;
    }
    if (call.arg[1] == 0) {
        return 0;
    }
    return signal_send_process(p, user_info(self, static_cast<int>(call.arg[1]), SI_USER));
}

SysRet sys_tkill(Thread& self, const Syscall& call) {
    if (static_cast<int32_t>(call.arg[0]) <= 0) {
        return -EINVAL;
    }
    Thread* t = self.process->find_thread(call.arg[0]);
    if (t == nullptr) {
        return -ESRCH;
    }
    if (bad_signal(call.arg[1])) {
        return -EINVAL;
    }
    return call.arg[1] == 0
               ? 0
               : signal_send_thread(*t, user_info(self, static_cast<int>(call.arg[1]), SI_TKILL));
}

SysRet sys_tgkill(Thread& self, const Syscall& call) {
    if (static_cast<int32_t>(call.arg[0]) <= 0 || static_cast<int32_t>(call.arg[1]) <= 0) {
        return -EINVAL;
    }
    Thread* t = call.arg[0] == self.process->id.pid ? self.process->find_thread(call.arg[1]) : nullptr;
    if (t == nullptr) {
        return -ESRCH;
    }
    if (bad_signal(call.arg[2])) {
        return -EINVAL;
    }
    return call.arg[2] == 0
               ? 0
               : signal_send_thread(*t, user_info(self, static_cast<int>(call.arg[2]), SI_TKILL));
}

namespace {

// The caller's siginfo for rt_sigqueueinfo/rt_tgsigqueueinfo, in Linux's order: EFAULT where it cannot be
// read; EPERM for a code the kernel's own senders use (SI_USER, SI_KERNEL, SI_TKILL) sent to another
// thread than the caller (to_self: the target is the caller, by tid for rt_tgsigqueueinfo and by pid for
// rt_sigqueueinfo, as task_pid_vnr(current) is compared there). 0: info holds it.
int64_t queued_info(const Process& p, uint64_t addr, bool to_self, SigInfo& info) {
    const uint8_t* u = p.mem.ptr(addr, sizeof info);
    if (u == nullptr) {
        return -EFAULT;
    }
    memcpy(&info, u, sizeof info);
    return (info.code >= 0 || info.code == SI_TKILL) && !to_self ? -EPERM : 0;
}

} // namespace

// rt_sigqueueinfo(pid, sig, info) and rt_tgsigqueueinfo(tgid, tid, sig, info): the caller's siginfo, its
// si_signo set to sig; signal 0 sends nothing.
SysRet sys_rt_sigqueueinfo(Thread& self, const Syscall& call) {
    Process& p = *self.process;
    SigInfo info{};
    const bool to_self = static_cast<int32_t>(call.arg[0]) == static_cast<int32_t>(self.tid);
    if (const int64_t err = queued_info(p, call.arg[2], to_self, info); err != 0) {
        return err;
    }
    if (static_cast<int32_t>(call.arg[0]) != static_cast<int32_t>(p.id.pid)) {
        return -ESRCH;
    }
    const auto s = static_cast<int64_t>(call.arg[1]);
    if (bad_signal(call.arg[1])) {
        return -EINVAL;
    }
    if (s == 0) {
        return 0;
    }
    info.signo = static_cast<int32_t>(s);
    return signal_send_process(p, info);
}

SysRet sys_rt_tgsigqueueinfo(Thread& self, const Syscall& call) {
    Process& p = *self.process;
    SigInfo info{};
    const auto tgid = static_cast<int32_t>(call.arg[0]), tid = static_cast<int32_t>(call.arg[1]);
    const uint8_t* u = p.mem.ptr(call.arg[3], sizeof info);
    if (u == nullptr) {
        return -EFAULT;
    }
    if (tgid <= 0 || tid <= 0) {
        return -EINVAL;
    }
    if (const int64_t err = queued_info(p, call.arg[3], tid == static_cast<int32_t>(self.tid), info);
        err != 0) {
        return err;
    }
    Thread* t = call.arg[0] == p.id.pid ? p.find_thread(call.arg[1]) : nullptr;
    if (t == nullptr) {
        return -ESRCH;
    }
    const auto s = static_cast<int64_t>(call.arg[2]);
    if (bad_signal(call.arg[2])) {
        return -EINVAL;
    }
    if (s == 0) {
        return 0;
    }
    info.signo = static_cast<int32_t>(s);
    return signal_send_thread(*t, info);
}

} // namespace ck

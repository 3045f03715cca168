// Signals: sending, delivery, rt_sigreturn, faults (proc/signal.hpp; the rules in signal_rules.hpp).
#include "signal.hpp"

#include "console.hpp"
#include "cpu.hpp"
#include "descriptors.hpp"
#include "exit.hpp"
#include "mem.hpp"
#include "percpu.hpp"
#include "process.hpp"
#include "sched.hpp"
#include "thread.hpp"

#include <stddef.h>

namespace ck {
namespace {

using namespace sig;

bool fatal_by_default(int s) {
    const Default d = default_action(s);
    return d == Default::terminate || d == Default::core;
}

bool has_handler(const KSigaction& a) {
    return a.handler != SIG_DFL && a.handler != SIG_IGN;
}

bool live(const Thread& t) {
    const ThreadState st = __atomic_load_n(&t.state, __ATOMIC_ACQUIRE);
    return st == ThreadState::runnable || st == ThreadState::running || st == ThreadState::blocked;
}

uint64_t load(const uint64_t& v) {
    return __atomic_load_n(&v, __ATOMIC_ACQUIRE);
}

// Makes t see a signal now: out of a wait, or back from ring 3 on its CPU.
void notify(Thread& t) {
    const ThreadState st = __atomic_load_n(&t.state, __ATOMIC_ACQUIRE);
    if (st == ThreadState::blocked) {
        (void)sched_wake(t);
    } else if (st == ThreadState::running && t.cpu != this_cpu().index) {
        sched_kick(t.cpu);
    }
}

void kill_by(Process& p, int s) {
    kprintf("job: signal %d, whose action is to end it\n", s);
    process_kill(p, 128 + s, static_cast<uint32_t>(s));
}

// Under the process's lock: the next signal self takes of those in set (its own before its process's,
// synchronous ones first), 0 for none.
int take_next(Thread& self, uint64_t set, SigInfo& out) {
    Process& p = *self.process;
    if (const uint64_t mine = self.sig.pending.set & set; mine != 0) {
        const int s = next_signal(mine);
        (void)self.sig.pending.take(s, out);
        return s;
    }
    if (const uint64_t shared = p.sig.shared.set & set; shared != 0) {
        const int s = next_signal(shared);
        (void)p.sig.shared.take(s, out);
        return s;
    }
    return 0;
}

uint32_t mxcsr_mask() {
    static uint32_t mask = 0;
    if (mask == 0) {
        alignas(16) uint8_t area[512] = {};
        arch::fxsave(area);
        uint32_t m = 0;
        memcpy(&m, area + FXSAVE_MXCSR_MASK, 4);
        mask = m != 0 ? m : 0xffbf; // 0: the default mask (Intel SDM, 11.6.6)
    }
    return mask;
}

// Builds the handler's frame on the user stack and points f at the handler (x64_setup_rt_frame). oldmask is
// the mask sigreturn puts back. False when the frame cannot be written (Linux: SIGSEGV).
bool setup_frame(Thread& self, arch::Frame& f, int s, const KSigaction& act, const SigInfo& info,
                 uint64_t oldmask, bool fault) {
    Process& p = *self.process;
    if ((act.flags & SA_RESTORER) == 0 || !user_address(act.handler) || !user_address(act.restorer)) {
        return false; // x86-64 programs always give a restorer (glibc's __restore_rt)
    }
    const FramePlace place = place_frame(f.rsp, self.sig.alt, act.flags);
    if (!place.ok || !user_address(place.frame)) {
        return false;
    }
    uint8_t* fx = p.mem.ptr(place.fpstate, FPSTATE_SIZE);
    uint8_t* fr = p.mem.ptr(place.frame, sizeof(RtSigFrame));
    if (fx == nullptr || fr == nullptr) {
        return false;
    }
    arch::fxsave(self.fpu); // the thread's own state: live on this CPU while it is in the kernel
    memcpy(fx, self.fpu, FPSTATE_SIZE);

    RtSigFrame frame{};
    frame.pretcode = act.restorer;
    frame.uc.flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
    frame.uc.stack = alt_stack_value(self.sig.alt, f.rsp);
    SigContext& sc = frame.uc.mcontext;
    sc.r8 = f.r8, sc.r9 = f.r9, sc.r10 = f.r10, sc.r11 = f.r11, sc.r12 = f.r12, sc.r13 = f.r13;
    sc.r14 = f.r14, sc.r15 = f.r15, sc.rdi = f.rdi, sc.rsi = f.rsi, sc.rbp = f.rbp, sc.rbx = f.rbx;
    sc.rdx = f.rdx, sc.rax = f.rax, sc.rcx = f.rcx, sc.rsp = f.rsp, sc.rip = f.rip, sc.rflags = f.rflags;
    sc.cs = arch::USER_CS;
    sc.ss = arch::USER_DS;
    if (fault) {
        sc.trapno = self.sig.fault_trapno;
        sc.err = self.sig.fault_err;
        sc.cr2 = self.sig.fault_cr2;
    }
    sc.oldmask = oldmask;
    sc.fpstate = place.fpstate;
    frame.uc.sigmask = oldmask;
    frame.info = info;
    memcpy(fr, &frame, sizeof frame);

    f.rdi = static_cast<uint64_t>(s);
    f.rsi = place.frame + offsetof(RtSigFrame, info);
    f.rdx = place.frame + offsetof(RtSigFrame, uc);
    f.rax = 0;
    f.rip = act.handler;
    f.rsp = place.frame;
    f.rflags = handler_rflags(f.rflags);
    f.cs = arch::USER_CS;
    f.ss = arch::USER_DS;
    fpu_initial_state(self.fpu); // the handler starts with a clean x87/SSE state, as on Linux

    p.lock.lock();
    self.sig.blocked |= act.mask | ((act.flags & SA_NODEFER) != 0 ? 0 : bit(s));
    self.sig.blocked &= ~UNBLOCKABLE;
    self.sig.restore_blocked = false; // the frame has the mask to put back
    if (self.sig.alt.autodisarm && place.on_alt) {
        self.sig.alt = AltStack{};
    }
    p.lock.unlock();
    return true;
}

void restart(arch::Frame& f, Restart r) {
    if (r == Restart::restart) {
        f.rax = f.vector; // the syscall number, saved by syscall_entry
        f.rip -= 2;       // back to the SYSCALL instruction
    } else if (r == Restart::eintr) {
        f.rax = static_cast<uint64_t>(-EINTR);
    }
}

} // namespace

void signals_init(ProcessSignals& s, uint64_t ignored) {
    ignored &= ~UNBLOCKABLE; // SIGKILL and SIGSTOP keep their default
    for (int i = 0; i < NSIG; ++i) {
        s.action[i] = KSigaction{};
        if (((ignored >> i) & 1) != 0) {
            s.action[i].handler = SIG_IGN;
        }
    }
    s.shared.set = 0;
}

void thread_signals_init(ThreadSignals& s, uint64_t blocked) {
    s.blocked = blocked & ~UNBLOCKABLE;
    s.saved_blocked = 0;
    s.restore_blocked = false;
    s.iret_return = false;
    s.alt = AltStack{};
    s.pending.set = 0;
    s.fault_trapno = s.fault_err = s.fault_cr2 = 0;
    s.fault_sig = 0;
}

int64_t signal_send_process(Process& p, const SigInfo& info) {
    const int s = info.signo;
    if (!valid(s)) {
        return -EINVAL;
    }
    p.lock.lock();
    if (p.exiting) {
        p.lock.unlock();
        return 0;
    }
    // The main thread when it does not block the signal, else the first thread that does not (Linux's
    // complete_signal prefers the main thread too).
    Thread* target = nullptr;
    for (Thread& t : p.threads) {
        if (live(t) && (t.sig.blocked & bit(s)) == 0) {
            target = &t;
            break;
        }
    }
    const KSigaction act = p.sig.action[s - 1];
    if (discarded(s, act, target != nullptr ? 0 : bit(s))) {
        p.lock.unlock();
        return 0;
    }
    const bool fatal = s == SIGKILL || (target != nullptr && act.handler == SIG_DFL && fatal_by_default(s));
    if (!fatal) {
        p.sig.shared.add(info);
    }
    p.lock.unlock();
    if (fatal) {
        kill_by(p, s);
    } else if (target != nullptr) {
        notify(*target);
    }
    return 0;
}

int64_t signal_send_thread(Thread& t, const SigInfo& info) {
    const int s = info.signo;
    if (!valid(s)) {
        return -EINVAL;
    }
    Process& p = *t.process;
    p.lock.lock();
    if (p.exiting) {
        p.lock.unlock();
        return 0;
    }
    const KSigaction act = p.sig.action[s - 1];
    const uint64_t blocked = t.sig.blocked;
    if (discarded(s, act, blocked)) {
        p.lock.unlock();
        return 0;
    }
    const bool fatal =
        s == SIGKILL || ((blocked & bit(s)) == 0 && act.handler == SIG_DFL && fatal_by_default(s));
    if (!fatal) {
        t.sig.pending.add(info);
    }
    p.lock.unlock();
    if (fatal) {
        kill_by(p, s);
    } else {
        notify(t);
    }
    return 0;
}

bool signal_interrupts(const Thread& t) {
    const Process& p = *t.process;
    return ((load(t.sig.pending.set) | load(p.sig.shared.set)) & ~load(t.sig.blocked)) != 0;
}

void signal_deliver(Thread& self, arch::Frame& f, bool from_syscall) {
    Process& p = *self.process;
    bool handled = false;
    for (int round = 0; round < NSIG && (signal_interrupts(self) || self.sig.restore_blocked); ++round) {
        SigInfo info{};
        p.lock.lock();
        const int s = take_next(self, ~self.sig.blocked, info);
        KSigaction act{};
        uint64_t oldmask = self.sig.restore_blocked ? self.sig.saved_blocked : self.sig.blocked;
        const bool fault = s != 0 && s == self.sig.fault_sig;
        if (s != 0) {
            act = p.sig.action[s - 1];
            if (has_handler(act) && (act.flags & SA_RESETHAND) != 0) {
                p.sig.action[s - 1].handler = SIG_DFL;
            }
            if (fault) {
                self.sig.fault_sig = 0;
            }
        }
        p.lock.unlock();
        if (s == 0) {
            break;
        }
        if (act.handler == SIG_IGN) {
            continue;
        }
        if (act.handler == SIG_DFL) {
            if (fatal_by_default(s)) {
                kill_by(p, s);
                thread_exit(self, 0);
            }
            continue; // ignore, or stop (no job control here)
        }
        if (from_syscall) {
            restart(f, restart_rule(static_cast<int64_t>(f.rax), true, act.flags));
            from_syscall = false;
        }
        if (!setup_frame(self, f, s, act, info, oldmask, fault)) {
            kprintf("job: thread %u: no room for the frame of signal %d's handler at %016lx: killed by "
                    "signal 11\n",
                    self.tid, s, f.rsp);
            process_kill(p, 128 + SIGSEGV, SIGSEGV);
            thread_exit(self, 0);
        }
        handled = true;
    }
    if (from_syscall) {
        restart(f, restart_rule(static_cast<int64_t>(f.rax), false, 0));
    }
    if (!handled && self.sig.restore_blocked) {
        p.lock.lock();
        self.sig.blocked = self.sig.saved_blocked;
        self.sig.restore_blocked = false;
        p.lock.unlock();
    }
}

void signal_fault(Thread& self, const arch::Frame& f, int s, int code, uint64_t addr) {
    Process& p = *self.process;
    const uint64_t cr2 = arch::read_cr2();
    p.lock.lock();
    const KSigaction act = p.sig.action[s - 1];
    const bool taken = has_handler(act) && (self.sig.blocked & bit(s)) == 0 && !p.exiting;
    if (taken) {
        SigInfo si{};
        si.signo = s;
        si.code = code;
        si.u.fault.addr = addr;
        self.sig.pending.drop(bit(s)); // this fault's siginfo, not an earlier kill's
        self.sig.pending.add(si);
        self.sig.fault_trapno = f.vector;
        self.sig.fault_sig = s;
        self.sig.fault_err = f.error;
        self.sig.fault_cr2 = f.vector == 14 ? cr2 : 0;
    }
    p.lock.unlock();
    if (!taken) {
        kprintf(
            "job: exception %lu at RIP %016lx (CR2 %016lx, error 0x%lx) in thread %u: killed by signal %d\n",
            f.vector, f.rip, cr2, f.error, self.tid, s);
        process_kill(p, 128 + s, static_cast<uint32_t>(s));
        thread_exit(self, 0);
    }
}

int64_t signal_return(Thread& self, arch::Frame& f) {
    Process& p = *self.process;
    RtSigFrame frame;
    const uint8_t* fr = p.mem.ptr(f.rsp - 8, sizeof frame);
    const uint8_t* fx = nullptr;
    bool ok = fr != nullptr;
    if (ok) {
        memcpy(&frame, fr, sizeof frame);
        const SigContext& sc = frame.uc.mcontext;
        ok = user_address(sc.rip) &&
             (sc.fpstate == 0 || (fx = p.mem.ptr(sc.fpstate, FPSTATE_SIZE)) != nullptr);
    }
    if (!ok) {
        kprintf("job: thread %u: rt_sigreturn without a signal frame at %016lx: killed by signal 11\n",
                self.tid, f.rsp - 8);
        process_kill(p, 128 + SIGSEGV, SIGSEGV);
        thread_exit(self, 0);
    }
    const SigContext& sc = frame.uc.mcontext;
    if (fx != nullptr) {
        memcpy(self.fpu, fx, FPSTATE_SIZE);
        uint32_t mxcsr = 0;
        memcpy(&mxcsr, self.fpu + FXSAVE_MXCSR, 4);
        mxcsr &= mxcsr_mask(); // a reserved bit would make FXRSTOR fault in ring 0
        memcpy(self.fpu + FXSAVE_MXCSR, &mxcsr, 4);
        arch::fxrstor(self.fpu);
    } else {
        fpu_initial_state(self.fpu);
    }
    f.r8 = sc.r8, f.r9 = sc.r9, f.r10 = sc.r10, f.r11 = sc.r11, f.r12 = sc.r12, f.r13 = sc.r13;
    f.r14 = sc.r14, f.r15 = sc.r15, f.rdi = sc.rdi, f.rsi = sc.rsi, f.rbp = sc.rbp, f.rbx = sc.rbx;
    f.rdx = sc.rdx, f.rcx = sc.rcx, f.rsp = sc.rsp, f.rip = sc.rip;
    f.rflags = sigreturn_rflags(f.rflags, sc.rflags);
    f.cs = arch::USER_CS;
    f.ss = arch::USER_DS;
    p.lock.lock();
    self.sig.blocked = frame.uc.sigmask & ~UNBLOCKABLE;
    self.sig.restore_blocked = false;
    (void)alt_stack_set(self.sig.alt, frame.uc.stack, f.rsp); // Linux ignores its errors too
    p.lock.unlock();
    self.sig.iret_return = true; // SYSRET would overwrite the restored %rcx and %r11
    return static_cast<int64_t>(sc.rax);
}

int64_t signal_suspend(Thread& self, uint64_t mask) {
    Process& p = *self.process;
    p.lock.lock();
    if (!self.sig.restore_blocked) {
        self.sig.saved_blocked = self.sig.blocked;
        self.sig.restore_blocked = true;
    }
    self.sig.blocked = mask & ~UNBLOCKABLE;
    p.lock.unlock();
    while (!signal_interrupts(self)) {
        if (__atomic_load_n(&p.exiting, __ATOMIC_ACQUIRE)) {
            return -EINTR;
        }
        self.wake_tsc = 0;
        __atomic_store_n(&self.state, ThreadState::blocked, __ATOMIC_RELEASE);
        (void)sched_block();
    }
    return -ERESTARTNOHAND;
}

int64_t signal_wait(Thread& self, uint64_t set, SigInfo& info, uint64_t deadline_tsc) {
    Process& p = *self.process;
    set &= ~UNBLOCKABLE;
    p.lock.lock();
    int s = take_next(self, set, info);
    if (s != 0 || deadline_tsc == 1) {
        p.lock.unlock();
        return s != 0 ? s : -EAGAIN;
    }
    const uint64_t real = self.sig.blocked;
    self.sig.blocked &= ~set; // the awaited signals wake it
    p.lock.unlock();
    bool timed_out = false;
    while (!signal_interrupts(self) && !__atomic_load_n(&p.exiting, __ATOMIC_ACQUIRE)) {
        if (deadline_tsc != 0 && arch::rdtsc() >= deadline_tsc) {
            timed_out = true;
            break;
        }
        self.wake_tsc = deadline_tsc;
        __atomic_store_n(&self.state, ThreadState::blocked, __ATOMIC_RELEASE);
        (void)sched_block();
    }
    self.wake_tsc = 0;
    p.lock.lock();
    self.sig.blocked = real;
    s = take_next(self, set, info);
    p.lock.unlock();
    return s != 0 ? s : timed_out ? -EAGAIN : -EINTR;
}

void signal_set_action(Process& p, int s, const KSigaction* act, KSigaction* old) {
    p.lock.lock();
    if (old != nullptr) {
        *old = p.sig.action[s - 1];
    }
    if (act != nullptr) {
        KSigaction a = *act;
        a.mask &= ~UNBLOCKABLE;
        p.sig.action[s - 1] = a;
        // sig_handler_ignored: a signal now ignored is dropped wherever it is pending (flush_sigqueue_mask).
        if (discarded(s, a, 0)) {
            p.sig.shared.drop(bit(s));
            for (Thread& t : p.threads) {
                t.sig.pending.drop(bit(s));
            }
        }
    }
    p.lock.unlock();
}

void signal_set_mask(Thread& self, int how, uint64_t set) {
    Process& p = *self.process;
    p.lock.lock();
    uint64_t& b = self.sig.blocked;
    b = how == SIG_BLOCK ? b | set : how == SIG_UNBLOCK ? b & ~set : set;
    b &= ~UNBLOCKABLE;
    p.lock.unlock();
}

uint64_t signal_blocked_pending(Thread& self) {
    Process& p = *self.process;
    p.lock.lock();
    const uint64_t r = (self.sig.pending.set | p.sig.shared.set) & self.sig.blocked;
    p.lock.unlock();
    return r;
}

} // namespace ck

#pragma once
// The scheduler-free rules of signals (docs/run.md, "Signals"), each Linux 6.1's (kernel/signal.c,
// arch/x86/kernel/signal.c; the function comments name where): default actions, which pending signal goes
// first, where a handler's frame goes (red zone, alternate stack, FXSAVE image alignment), what happens to an
// interrupted syscall, sigaltstack's checks, and the pending sets. proc/signal.cpp does the locking, the user
// memory and the registers. Freestanding; host-tested in tests/unit/test_signal.cpp.
#include "errno.hpp"
#include "signal_abi.hpp"

#include <stdint.h>

namespace ck::sig {

constexpr bool valid(int64_t sig) {
    return sig >= 1 && sig <= NSIG;
}

// What a signal does under SIG_DFL (include/linux/signal.h, SIG_KERNEL_*_MASK). The co-kernel has no job
// control: `stop` signals are ignored (docs/run.md says so).
enum class Default : uint8_t { terminate, core, ignore, stop };
constexpr Default default_action(int sig) {
    switch (sig) {
    case SIGCHLD:
    case SIGCONT:
    case SIGURG:
    case SIGWINCH:
        return Default::ignore;
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
        return Default::stop;
    case SIGQUIT:
    case SIGILL:
    case SIGTRAP:
    case SIGABRT:
    case SIGBUS:
    case SIGFPE:
    case SIGSEGV:
    case SIGXCPU:
    case SIGXFSZ:
    case SIGSYS:
        return Default::core;
    default:
        return Default::terminate;
    }
}

// True when a signal with this action is dropped when sent (sig_ignored: an ignored, unblocked signal is
// never queued; a blocked one is, since the action may change before it is unblocked).
constexpr bool discarded(int sig, const KSigaction& act, uint64_t blocked) {
    if ((blocked & bit(sig)) != 0 && sig != SIGKILL) {
        return false;
    }
    if (act.handler == SIG_IGN) {
        return sig != SIGKILL && sig != SIGSTOP;
    }
    return act.handler == SIG_DFL &&
           (default_action(sig) == Default::ignore || default_action(sig) == Default::stop);
}

// The next signal of a pending set to deliver, 0 for none (next_signal: the synchronous ones, which a fault
// raises, before the others; then the lowest number).
constexpr int next_signal(uint64_t pending) {
    constexpr uint64_t SYNCHRONOUS =
        bit(SIGSEGV) | bit(SIGBUS) | bit(SIGILL) | bit(SIGTRAP) | bit(SIGFPE) | bit(SIGSYS);
    uint64_t s = pending & SYNCHRONOUS;
    if (s == 0) {
        s = pending;
    }
    return s == 0 ? 0 : __builtin_ctzll(s) + 1;
}

// ---- The alternate stack -------------------------------------------------------------------------------

struct AltStack {
    uint64_t sp = 0;
    uint64_t size = 0; // 0: none (SS_DISABLE)
    bool autodisarm = false;
};

// on_sig_stack: sp lies in (sp, sp + size] (the stack grows down; its top is its first byte above).
constexpr bool on_alt_stack(const AltStack& a, uint64_t sp) {
    return a.size != 0 && sp > a.sp && sp - a.sp <= a.size;
}

// sas_ss_flags: what sigaltstack's old value and a frame's uc_stack say.
constexpr int32_t alt_stack_flags(const AltStack& a, uint64_t sp) {
    if (a.size == 0) {
        return SS_DISABLE;
    }
    return on_alt_stack(a, sp) ? SS_ONSTACK : 0;
}

// The stack_t sigaltstack reports and a frame saves.
constexpr StackT alt_stack_value(const AltStack& a, uint64_t sp) {
    StackT s{};
    s.sp = a.sp;
    s.size = a.size;
    s.flags = alt_stack_flags(a, sp) | static_cast<int32_t>(a.autodisarm ? SS_AUTODISARM : 0);
    return s;
}

// do_sigaltstack's checks and change, sp being the caller's user stack pointer: -EPERM while on the alternate
// stack, -EINVAL for flags other than 0, SS_ONSTACK (read as 0) or SS_DISABLE (with SS_AUTODISARM), -ENOMEM
// for a size under MINSIGSTKSZ. 0 on success.
constexpr int64_t alt_stack_set(AltStack& a, const StackT& s, uint64_t sp) {
    if (on_alt_stack(a, sp)) {
        return -EPERM;
    }
    const uint32_t flags = static_cast<uint32_t>(s.flags);
    const uint32_t mode = flags & ~SS_AUTODISARM;
    if (mode != 0 && mode != static_cast<uint32_t>(SS_ONSTACK) && mode != static_cast<uint32_t>(SS_DISABLE)) {
        return -EINVAL;
    }
    if (mode == static_cast<uint32_t>(SS_DISABLE)) {
        a = AltStack{};
        return 0;
    }
    if (s.size < MINSIGSTKSZ) {
        return -ENOMEM;
    }
    a.sp = s.sp;
    a.size = s.size;
    a.autodisarm = (flags & SS_AUTODISARM) != 0;
    return 0;
}

// ---- The frame -----------------------------------------------------------------------------------------

// Where a handler's frame goes (get_sigframe): below the 128-byte red zone of the interrupted stack, or at
// the top of the alternate stack for an SA_ONSTACK handler not already on it; then the FXSAVE image, 64-byte
// aligned, and under it the RtSigFrame, placed so that %rsp + 8 is 16-byte aligned (a function's entry). ok
// is false when a frame meant for the alternate stack does not fit on it (Linux: SIGSEGV).
struct FramePlace {
    uint64_t frame = 0;   // the RtSigFrame: the handler's %rsp
    uint64_t fpstate = 0; // the FXSAVE image
    bool on_alt = false;  // the frame is on the alternate stack
    bool ok = false;
};
constexpr FramePlace place_frame(uint64_t user_sp, const AltStack& alt, uint64_t sa_flags) {
    FramePlace p{};
    uint64_t sp = user_sp - 128;
    const bool nested = on_alt_stack(alt, sp);
    bool entering = false;
    if ((sa_flags & SA_ONSTACK) != 0 && alt_stack_flags(alt, sp) == 0) {
        sp = alt.sp + alt.size;
        entering = true;
    }
    sp = (sp - FPSTATE_SIZE) & ~uint64_t{63};
    p.fpstate = sp;
    sp = ((sp - sizeof(RtSigFrame)) & ~uint64_t{15}) - 8;
    p.frame = sp;
    p.on_alt = nested || entering;
    p.ok = !p.on_alt || on_alt_stack(alt, sp);
    return p;
}

// The user address space's canonical lower half: a %rip outside it would fault in SYSRET or IRET, in ring 0.
constexpr bool user_address(uint64_t a) {
    return a < (uint64_t{1} << 47);
}

// RFLAGS from a sigreturn (restore_sigcontext, FIX_EFLAGS): only the arithmetic flags, DF, TF, AC and RF come
// from the frame; IF stays set and IOPL stays 0.
constexpr uint64_t sigreturn_rflags(uint64_t current, uint64_t from_frame) {
    constexpr uint64_t FIX =
        0x1u | 0x4u | 0x10u | 0x40u | 0x80u | 0x100u | 0x400u | 0x800u | 0x10000u | 0x40000u;
    return ((current & ~FIX) | (from_frame & FIX) | 0x200u) & ~uint64_t{0x3000};
}

// RFLAGS for a handler's entry (setup_rt_frame): DF, RF and TF cleared.
constexpr uint64_t handler_rflags(uint64_t current) {
    return current & ~uint64_t{0x400u | 0x10000u | 0x100u};
}

// ---- Interrupted syscalls ------------------------------------------------------------------------------

// What becomes of a syscall that returned ret when a signal is handled on its way out (handle_signal) or
// none is (arch_do_signal_or_restart): go on (ret is the result), restart it (back to the SYSCALL with the
// number in %rax), or fail it with EINTR.
enum class Restart : uint8_t { none, restart, eintr };
constexpr Restart restart_rule(int64_t ret, bool handler, uint64_t sa_flags) {
    switch (-ret) {
    case ERESTARTNOHAND:
    case ERESTART_RESTARTBLOCK:
        return handler ? Restart::eintr : Restart::restart;
    case ERESTARTSYS:
        return !handler || (sa_flags & SA_RESTART) != 0 ? Restart::restart : Restart::eintr;
    case ERESTARTNOINTR:
        return Restart::restart;
    default:
        return Restart::none;
    }
}

// ---- Pending signals -----------------------------------------------------------------------------------

// A pending set with one siginfo per signal: a signal sent again while pending is merged into the first
// (Linux does so for 1..31; it queues real-time signals, which the co-kernel merges too: docs/run.md).
struct Pending {
    uint64_t set = 0;
    SigInfo info[NSIG] = {};

    void add(const SigInfo& si) {
        const uint64_t b = bit(si.signo);
        if ((set & b) == 0) {
            set |= b;
            info[si.signo - 1] = si;
        }
    }
    // Removes sig, its siginfo into out; false when it was not pending.
    bool take(int sig, SigInfo& out) {
        if ((set & bit(sig)) == 0) {
            return false;
        }
        set &= ~bit(sig);
        out = info[sig - 1];
        return true;
    }
    void drop(uint64_t mask) { set &= ~mask; }
};

} // namespace ck::sig

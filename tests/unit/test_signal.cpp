// The signal ABI and rules of the co-kernel (cokernel/proc/signal_abi.hpp, signal_rules.hpp). The layouts
// are checked against glibc's headers (tests/unit/signal_glibc.cpp); the rules' expected values are Linux
// 6.1's (kernel/signal.c, arch/x86/kernel/signal.c), worked out by hand.
#include "signal_rules.hpp"

#include <catch2/catch.hpp>

#include <errno.h>
#include <stddef.h>

namespace glibc_signal {
extern const size_t uc_mcontext, uc_sigmask, uc_stack, uc_fpregs, gregs_rip, gregs_rsp, gregs_r8, gregs_err,
    gregs_cr2, gregs_oldmask, siginfo_size, off_si_code, off_si_pid, off_si_uid, off_si_addr, off_si_value,
    off_ss_flags, off_ss_size, stack_size;
extern const int sigs[31];
extern const unsigned long flags[7];
extern const int codes[11];
extern const int stack_flags[2];
extern const int hows[3];
} // namespace glibc_signal

using namespace ck::sig;
namespace g = glibc_signal;

TEST_CASE("signal frame layouts are the ones glibc reads", "[signal]") {
    CHECK(offsetof(UContext, mcontext) == g::uc_mcontext);
    CHECK(offsetof(UContext, sigmask) == g::uc_sigmask);
    CHECK(offsetof(UContext, stack) == g::uc_stack);
    CHECK(offsetof(UContext, mcontext) + offsetof(SigContext, fpstate) == g::uc_fpregs);
    CHECK(offsetof(UContext, mcontext) + offsetof(SigContext, rip) == g::gregs_rip);
    CHECK(offsetof(UContext, mcontext) + offsetof(SigContext, rsp) == g::gregs_rsp);
    CHECK(offsetof(UContext, mcontext) + offsetof(SigContext, r8) == g::gregs_r8);
    CHECK(offsetof(UContext, mcontext) + offsetof(SigContext, err) == g::gregs_err);
    CHECK(offsetof(UContext, mcontext) + offsetof(SigContext, cr2) == g::gregs_cr2);
    CHECK(offsetof(UContext, mcontext) + offsetof(SigContext, oldmask) == g::gregs_oldmask);
    CHECK(sizeof(SigInfo) == g::siginfo_size);
    CHECK(offsetof(SigInfo, code) == g::off_si_code);
    CHECK(offsetof(SigInfo, u.kill.pid) == g::off_si_pid);
    CHECK(offsetof(SigInfo, u.kill.uid) == g::off_si_uid);
    CHECK(offsetof(SigInfo, u.fault.addr) == g::off_si_addr);
    CHECK(offsetof(SigInfo, u.kill.value) == g::off_si_value);
    CHECK(offsetof(StackT, flags) == g::off_ss_flags);
    CHECK(offsetof(StackT, size) == g::off_ss_size);
    CHECK(sizeof(StackT) == g::stack_size);
}

TEST_CASE("signal numbers, flags and codes are glibc's", "[signal]") {
    for (int i = 0; i < 31; ++i) {
        CHECK(g::sigs[i] == i + 1); // SIGHUP .. SIGSYS in order: ours are 1..31 by the same names below
    }
    CHECK(SIGSEGV == g::sigs[10]);
    CHECK(SIGCHLD == g::sigs[16]);
    CHECK(SIGSTOP == g::sigs[18]);
    CHECK(SIGSYS == g::sigs[30]);
    const uint64_t ours[] = {SA_NOCLDSTOP, SA_NOCLDWAIT, SA_SIGINFO,  SA_ONSTACK,
                             SA_RESTART,   SA_NODEFER,   SA_RESETHAND};
    for (int i = 0; i < 7; ++i) {
        CHECK(ours[i] == g::flags[i]);
    }
    const int codes[] = {SI_USER,    SI_KERNEL,  SI_QUEUE,   SI_TKILL,   SEGV_MAPERR, SEGV_ACCERR,
                         BUS_ADRALN, ILL_ILLOPN, FPE_INTDIV, TRAP_BRKPT, TRAP_TRACE};
    for (int i = 0; i < 11; ++i) {
        CHECK(codes[i] == g::codes[i]);
    }
    CHECK(SS_ONSTACK == g::stack_flags[0]);
    CHECK(SS_DISABLE == g::stack_flags[1]);
    CHECK(SIG_BLOCK == g::hows[0]);
    CHECK(SIG_UNBLOCK == g::hows[1]);
    CHECK(SIG_SETMASK == g::hows[2]);
}

TEST_CASE("default actions: ignore, stop, core and terminate as Linux's tables say", "[signal]") {
    for (int s : {SIGCHLD, SIGCONT, SIGURG, SIGWINCH}) {
        CHECK(default_action(s) == Default::ignore);
    }
    for (int s : {SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU}) {
        CHECK(default_action(s) == Default::stop);
    }
    for (int s : {SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS}) {
        CHECK(default_action(s) == Default::core);
    }
    for (int s : {SIGHUP, SIGINT, SIGKILL, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT, SIGVTALRM,
                  SIGPROF, SIGIO, SIGPWR, 32, 34, 64}) {
        CHECK(default_action(s) == Default::terminate);
    }
}

TEST_CASE("a signal is dropped when sent only if ignored and not blocked", "[signal]") {
    KSigaction dfl{}, ign{SIG_IGN, 0, 0, 0}, handler{0x401000, SA_RESTORER, 0x401100, 0};
    CHECK(discarded(SIGCHLD, dfl, 0));
    CHECK(!discarded(SIGCHLD, dfl, bit(SIGCHLD))); // blocked: kept, the action may change before unblocking
    CHECK(discarded(SIGUSR1, ign, 0));
    CHECK(!discarded(SIGUSR1, ign, bit(SIGUSR1)));
    CHECK(!discarded(SIGUSR1, dfl, 0));
    CHECK(!discarded(SIGCHLD, handler, 0));
    CHECK(!discarded(SIGKILL, ign, 0)); // SIGKILL is never ignored
}

TEST_CASE("the next signal: synchronous ones first, then the lowest number", "[signal]") {
    CHECK(next_signal(0) == 0);
    CHECK(next_signal(bit(SIGUSR2) | bit(SIGHUP)) == SIGHUP);
    CHECK(next_signal(bit(SIGHUP) | bit(SIGSEGV)) == SIGSEGV);
    CHECK(next_signal(bit(SIGSEGV) | bit(SIGILL)) == SIGILL);
    CHECK(next_signal(bit(64)) == 64);
}

TEST_CASE("a handler's frame: below the red zone, FXSAVE image 64-aligned, rsp + 8 16-aligned", "[signal]") {
    const AltStack none{};
    for (uint64_t sp : {uint64_t{0x7fffffffe000}, uint64_t{0x7fffffffdff8}, uint64_t{0x7fffffffdf13}}) {
        INFO(sp);
        const FramePlace p = place_frame(sp, none, 0);
        REQUIRE(p.ok);
        CHECK(!p.on_alt);
        CHECK(p.fpstate % 64 == 0);
        CHECK(p.fpstate + FPSTATE_SIZE <= sp - 128); // the red zone is left alone
        CHECK((p.frame + 8) % 16 == 0);
        CHECK(p.frame + sizeof(RtSigFrame) <= p.fpstate);
        CHECK(p.fpstate - (p.frame + sizeof(RtSigFrame)) < 16 + 8);
    }
    const FramePlace p = place_frame(0x7fffffffe000, none, 0);
    CHECK(p.fpstate == ((0x7fffffffe000 - 128 - 512) & ~uint64_t{63}));
    CHECK(p.frame == ((p.fpstate - 440) & ~uint64_t{15}) - 8);
}

TEST_CASE("SA_ONSTACK frames go to the top of the alternate stack, nested ones below the last", "[signal]") {
    const AltStack alt{0x10000000, 0x10000, false};
    const FramePlace p = place_frame(0x7fffffffe000, alt, SA_ONSTACK);
    REQUIRE(p.ok);
    CHECK(p.on_alt);
    CHECK(p.fpstate == ((0x10010000 - 512) & ~uint64_t{63}));
    CHECK(on_alt_stack(alt, p.frame));
    const FramePlace nested = place_frame(p.frame, alt, SA_ONSTACK);
    REQUIRE(nested.ok);
    CHECK(nested.fpstate + FPSTATE_SIZE <= p.frame - 128);
    const FramePlace no_flag = place_frame(0x7fffffffe000, alt, 0);
    CHECK(!no_flag.on_alt);
    const FramePlace full = place_frame(0x10000000 + 600, alt, SA_ONSTACK); // on it, nearly full
    CHECK(!full.ok);
}

TEST_CASE("sigaltstack: EPERM on it, EINVAL for bad flags, ENOMEM when small, SS_DISABLE", "[signal]") {
    AltStack a{};
    CHECK(alt_stack_flags(a, 0x5000) == SS_DISABLE);
    CHECK(alt_stack_set(a, StackT{0x10000, 0, 0, 1000}, 0x7fff0000) == -ENOMEM);
    CHECK(alt_stack_set(a, StackT{0x10000, 4, 0, 8192}, 0x7fff0000) == -EINVAL);
    CHECK(alt_stack_set(a, StackT{0x10000, SS_ONSTACK, 0, 8192}, 0x7fff0000) == 0); // read as 0
    CHECK(a.sp == 0x10000);
    CHECK(a.size == 8192);
    CHECK(alt_stack_flags(a, 0x7fff0000) == 0);
    CHECK(alt_stack_flags(a, 0x11000) == SS_ONSTACK);
    CHECK(alt_stack_set(a, StackT{0x20000, 0, 0, 8192}, 0x11000) == -EPERM);
    CHECK(alt_stack_set(a, StackT{0, static_cast<int32_t>(SS_DISABLE | SS_AUTODISARM), 0, 0}, 0x7fff0000) ==
          0);
    CHECK(a.size == 0);
    CHECK(alt_stack_set(a, StackT{0x10000, static_cast<int32_t>(SS_AUTODISARM), 0, 8192}, 0x7fff0000) == 0);
    CHECK(a.autodisarm);
    CHECK(static_cast<uint32_t>(alt_stack_value(a, 0x7fff0000).flags) == SS_AUTODISARM);
}

TEST_CASE("interrupted syscalls: restarted or EINTR as Linux's handle_signal decides", "[signal]") {
    CHECK(restart_rule(-ERESTARTSYS, true, 0) == Restart::eintr);
    CHECK(restart_rule(-ERESTARTSYS, true, SA_RESTART) == Restart::restart);
    CHECK(restart_rule(-ERESTARTSYS, false, 0) == Restart::restart);
    CHECK(restart_rule(-ERESTARTNOHAND, true, SA_RESTART) == Restart::eintr);
    CHECK(restart_rule(-ERESTARTNOHAND, false, 0) == Restart::restart);
    CHECK(restart_rule(-ERESTART_RESTARTBLOCK, true, SA_RESTART) == Restart::eintr);
    CHECK(restart_rule(-ERESTARTNOINTR, true, 0) == Restart::restart);
    CHECK(restart_rule(-EINTR, true, 0) == Restart::none);
    CHECK(restart_rule(5, true, 0) == Restart::none);
}

TEST_CASE("sigreturn keeps IF set and IOPL 0, takes only the arithmetic, DF, TF, AC and RF flags",
          "[signal]") {
    CHECK(sigreturn_rflags(0x202, 0x3000 | 0x1 | 0x400) == (0x202 | 0x1 | 0x400)); // IOPL 3 asked: refused
    CHECK(sigreturn_rflags(0x202, 0) == 0x202);                                    // IF cannot be cleared
    CHECK(sigreturn_rflags(0x246, 0x0) == 0x202);                                  // ZF, PF from the frame: 0
    CHECK(sigreturn_rflags(0x202, 0x200000) == 0x202);                             // ID is not the frame's
    CHECK(handler_rflags(0x202 | 0x400 | 0x100 | 0x10000 | 0x1) == (0x202 | 0x1));
    CHECK(user_address(0x7fffffffffff));
    CHECK(!user_address(0x800000000000));
    CHECK(!user_address(0xffff800000000000));
}

TEST_CASE("a pending set keeps the first siginfo of a signal sent twice", "[signal]") {
    Pending p{};
    SigInfo a{}, b{}, out{};
    a.signo = SIGUSR1, a.code = SI_USER, a.u.kill.pid = 7;
    b.signo = SIGUSR1, b.code = SI_TKILL, b.u.kill.pid = 8;
    p.add(a);
    p.add(b);
    CHECK(p.set == bit(SIGUSR1));
    REQUIRE(p.take(SIGUSR1, out));
    CHECK(out.code == SI_USER);
    CHECK(out.u.kill.pid == 7);
    CHECK(p.set == 0);
    CHECK(!p.take(SIGUSR1, out));
}

// glibc's own view of the x86-64 signal ABI (<signal.h>, <ucontext.h>), for tests/unit/test_signal.cpp: that
// file includes the co-kernel's signal_abi.hpp, whose names clash with these headers' macros, so the values
// cross between the two files as plain constants.
#include <signal.h>
#include <stddef.h>
#include <ucontext.h>

namespace glibc_signal {
extern const size_t uc_mcontext = offsetof(ucontext_t, uc_mcontext);
extern const size_t uc_sigmask = offsetof(ucontext_t, uc_sigmask);
extern const size_t uc_stack = offsetof(ucontext_t, uc_stack);
extern const size_t uc_fpregs = offsetof(ucontext_t, uc_mcontext.fpregs);
extern const size_t gregs_rip = offsetof(ucontext_t, uc_mcontext.gregs) + REG_RIP * 8;
extern const size_t gregs_rsp = offsetof(ucontext_t, uc_mcontext.gregs) + REG_RSP * 8;
extern const size_t gregs_r8 = offsetof(ucontext_t, uc_mcontext.gregs) + REG_R8 * 8;
extern const size_t gregs_err = offsetof(ucontext_t, uc_mcontext.gregs) + REG_ERR * 8;
extern const size_t gregs_cr2 = offsetof(ucontext_t, uc_mcontext.gregs) + REG_CR2 * 8;
extern const size_t gregs_oldmask = offsetof(ucontext_t, uc_mcontext.gregs) + REG_OLDMASK * 8;
extern const size_t siginfo_size = sizeof(siginfo_t);
extern const size_t off_si_code = offsetof(siginfo_t, si_code);
extern const size_t off_si_pid = offsetof(siginfo_t, si_pid);
extern const size_t off_si_uid = offsetof(siginfo_t, si_uid);
extern const size_t off_si_addr = offsetof(siginfo_t, si_addr);
extern const size_t off_si_value = offsetof(siginfo_t, si_value);
extern const size_t off_ss_flags = offsetof(stack_t, ss_flags);
extern const size_t off_ss_size = offsetof(stack_t, ss_size);
extern const size_t stack_size = sizeof(stack_t);
extern const int sigs[] = {SIGHUP,  SIGINT,    SIGQUIT, SIGILL,   SIGTRAP, SIGABRT, SIGBUS,  SIGFPE,
                           SIGKILL, SIGUSR1,   SIGSEGV, SIGUSR2,  SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT,
                           SIGCHLD, SIGCONT,   SIGSTOP, SIGTSTP,  SIGTTIN, SIGTTOU, SIGURG,  SIGXCPU,
                           SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO,   SIGPWR,  SIGSYS};
extern const unsigned long flags[] = {SA_NOCLDSTOP, SA_NOCLDWAIT, SA_SIGINFO,  SA_ONSTACK,
                                      SA_RESTART,   SA_NODEFER,   SA_RESETHAND};
extern const int codes[] = {SI_USER,    SI_KERNEL,  SI_QUEUE,   SI_TKILL,   SEGV_MAPERR, SEGV_ACCERR,
                            BUS_ADRALN, ILL_ILLOPN, FPE_INTDIV, TRAP_BRKPT, TRAP_TRACE};
extern const int stack_flags[] = {SS_ONSTACK, SS_DISABLE};
extern const int hows[] = {SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK};
} // namespace glibc_signal

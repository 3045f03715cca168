#pragma once
// Linux's x86-64 signal ABI as a job sees it (docs/run.md, "Signals"): the constants, the kernel's struct
// sigaction, siginfo, stack_t, and the frame a handler runs on (struct rt_sigframe: the return address, a
// ucontext with the sigcontext of the interrupted registers and the old mask, the siginfo, then the FXSAVE
// image it points at). Layouts are Linux 6.1's (include/uapi/asm-generic/signal*.h, siginfo.h,
// arch/x86/include/uapi/asm/sigcontext.h, arch/x86/include/asm/sigframe.h); the static_asserts pin every
// offset glibc and programs read. Freestanding; host-tested in tests/unit/test_signal.cpp.
#include <stddef.h>
#include <stdint.h>

namespace ck::sig {

constexpr int NSIG = 64; // signals 1..64; bit sig-1 of a mask
constexpr int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7,
              SIGFPE = 8, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14,
              SIGTERM = 15, SIGSTKFLT = 16, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20,
              SIGTTIN = 21, SIGTTOU = 22, SIGURG = 23, SIGXCPU = 24, SIGXFSZ = 25, SIGVTALRM = 26,
              SIGPROF = 27, SIGWINCH = 28, SIGIO = 29, SIGPWR = 30, SIGSYS = 31, SIGRTMIN = 32;

constexpr uint64_t SIG_DFL = 0, SIG_IGN = 1;
constexpr uint64_t SA_NOCLDSTOP = 1, SA_NOCLDWAIT = 2, SA_SIGINFO = 4, SA_UNSUPPORTED = 0x400,
                   SA_EXPOSE_TAGBITS = 0x800, SA_RESTORER = 0x04000000, SA_ONSTACK = 0x08000000,
                   SA_RESTART = 0x10000000, SA_NODEFER = 0x40000000, SA_RESETHAND = 0x80000000;
constexpr int SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
constexpr int SS_ONSTACK = 1, SS_DISABLE = 2;
constexpr uint32_t SS_AUTODISARM = 1u << 31;
constexpr uint64_t MINSIGSTKSZ = 2048;

// si_code values the co-kernel produces.
constexpr int SI_USER = 0, SI_KERNEL = 0x80, SI_QUEUE = -1, SI_TKILL = -6;
constexpr int SEGV_MAPERR = 1, SEGV_ACCERR = 2, BUS_ADRALN = 1, ILL_ILLOPN = 2, FPE_INTDIV = 1,
              FPE_FLTDIV = 3, FPE_FLTOVF = 4, FPE_FLTUND = 5, FPE_FLTRES = 6, FPE_FLTINV = 7, TRAP_BRKPT = 1,
              TRAP_TRACE = 2;

// The syscall restart codes a blocking call returns internally (never to the job): what happens to the call
// depends on the signal that interrupted it (include/linux/errno.h).
constexpr int64_t ERESTARTSYS = 512, ERESTARTNOINTR = 513, ERESTARTNOHAND = 514, ERESTART_RESTARTBLOCK = 516;

constexpr uint64_t bit(int sig) {
    return uint64_t{1} << (sig - 1);
}
// Signals no mask blocks and no action changes.
constexpr uint64_t UNBLOCKABLE = bit(SIGKILL) | bit(SIGSTOP);

// The kernel's struct sigaction (rt_sigaction's argument; glibc translates its own to it).
struct KSigaction {
    uint64_t handler = SIG_DFL;
    uint64_t flags = 0;
    uint64_t restorer = 0;
    uint64_t mask = 0;
};
static_assert(sizeof(KSigaction) == 32);

struct StackT {
    uint64_t sp;
    int32_t flags;
    int32_t pad;
    uint64_t size;
};
static_assert(sizeof(StackT) == 24 && offsetof(StackT, flags) == 8 && offsetof(StackT, size) == 16);

// siginfo_t: 128 bytes; the union's fields for kill/tkill (pid, uid), faults (addr) and sigqueue (value).
struct SigInfo {
    int32_t signo;
    int32_t err;
    int32_t code;
    int32_t pad;
    union {
        struct {
            int32_t pid;
            uint32_t uid;
            uint64_t value;
        } kill;
        struct {
            uint64_t addr;
        } fault;
        uint8_t bytes[112];
    } u;
};
static_assert(sizeof(SigInfo) == 128 && offsetof(SigInfo, u) == 16);

// struct sigcontext (64-bit): glibc's mcontext_t gregs[] in this order (REG_R8 = 0 ... REG_CR2 = 22).
struct SigContext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, rflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate; // the user address of the FXSAVE image, 0: none
    uint64_t reserved[8];
};
static_assert(sizeof(SigContext) == 256 && offsetof(SigContext, rip) == 16 * 8 &&
              offsetof(SigContext, cs) == 18 * 8 && offsetof(SigContext, err) == 19 * 8 &&
              offsetof(SigContext, cr2) == 22 * 8 && offsetof(SigContext, fpstate) == 23 * 8);

constexpr uint64_t UC_FP_XSTATE = 1, UC_SIGCONTEXT_SS = 2, UC_STRICT_RESTORE_SS = 4;

// The kernel's struct ucontext: glibc's ucontext_t begins the same way (its uc_sigmask is 128 bytes, of which
// the kernel reads and writes the first 8).
struct UContext {
    uint64_t flags;
    uint64_t link;
    StackT stack;
    SigContext mcontext;
    uint64_t sigmask;
};
static_assert(sizeof(UContext) == 304 && offsetof(UContext, mcontext) == 40 &&
              offsetof(UContext, sigmask) == 296);

// What the handler's %rsp points at: the return address (the restorer, which calls rt_sigreturn), the
// ucontext and the siginfo.
struct RtSigFrame {
    uint64_t pretcode;
    UContext uc;
    SigInfo info;
};
static_assert(sizeof(RtSigFrame) == 440 && offsetof(RtSigFrame, uc) == 8 &&
              offsetof(RtSigFrame, info) == 312);

constexpr uint64_t FPSTATE_SIZE = 512; // FXSAVE: the co-kernel does not enable XSAVE (no AVX state)
constexpr uint64_t FXSAVE_MXCSR = 24, FXSAVE_MXCSR_MASK = 28; // offsets in the FXSAVE image

} // namespace ck::sig

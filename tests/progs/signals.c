/* signals: what a program sees of signals, printed so that Linux and the co-kernel can be compared byte for
 * byte (tests/qemu/test_signals.sh). Handlers with siginfo (si_code, si_pid, si_uid, si_addr, si_value),
 * masks and pending sets, SA_RESETHAND, SA_NODEFER, sa_mask, the alternate stack, faults turned into signals
 * (SIGSEGV MAPERR/ACCERR, SIGFPE, SIGILL, SIGTRAP) and left with siglongjmp or by returning, the registers
 * and SSE state a handler must not change, interrupted calls (nanosleep: EINTR and the time left; futex:
 * restarted under SA_RESTART, EINTR without), calls that block in Linux (read of an empty pipe: EINTR, or
 * restarted under SA_RESTART; poll: EINTR either way; ppoll with the signal blocked: not interrupted),
 * sigsuspend, sigtimedwait, pause, sigqueue, signals to one thread and to the process, ignored signals.
 *
 * Usage: signals                 every check; prints "signals: all checks passed" and exits 0
 *        signals abort           abort(): exits by SIGABRT
 *        signals term            raise(SIGTERM) with no handler
 *        signals segv            a NULL write with no handler
 *        signals usr1-thread     a worker thread raises SIGUSR1 with no handler: the whole process ends
 *        signals from-linux      prints "ready", computes until SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2 and
 *                                SIGTERM each reached their handler, then exits 0
 *        signals read-from-linux prints "ready", reads an empty pipe until SIGINT's handler ends the read
 *                                with EINTR, then exits 0
 *        signals spin            prints "ready" and computes forever (no handler: a signal's default ends it)
 *        signals inherited       prints which signals it started with ignored or blocked (execve keeps both)
 *        signals spawn CMD...    ignores SIGHUP, SIGPIPE, SIGRTMIN+3, blocks SIGUSR2 and SIGTERM, execs CMD
 *        signals default CMD...  gives SIGINT and SIGQUIT their default action back (a shell's background job
 *                                starts with both ignored), execs CMD
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static int failures;
static void check(int ok, const char* what) {
    printf("%s %s\n", ok ? "ok" : "FAIL", what);
    if (!ok)
        failures++;
}

static volatile sig_atomic_t count;
static volatile int last_code, last_signo, last_pid_ok, last_uid_ok, last_value;
static volatile int blocked_in_handler, mask_has_usr2;
static volatile long handler_tid;

static pid_t gettid_(void) {
    return (pid_t)syscall(SYS_gettid);
}

/* count goes up last: another thread polls it, then reads the rest. */
static void on_info(int sig, siginfo_t* si, void* uc) {
    (void)uc;
    last_signo = sig;
    last_code = si->si_code;
    last_pid_ok = si->si_pid == getpid();
    last_uid_ok = si->si_uid == getuid();
    last_value = si->si_value.sival_int;
    handler_tid = gettid_();
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    blocked_in_handler = sigismember(&now, sig);
    mask_has_usr2 = sigismember(&now, SIGUSR2);
    __atomic_fetch_add(&count, 1, __ATOMIC_RELEASE);
}

static void set_handler(int sig, int flags, const sigset_t* mask) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_info;
    sa.sa_flags = SA_SIGINFO | flags;
    if (mask != NULL)
        sa.sa_mask = *mask;
    else
        sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0) {
        perror("sigaction");
        exit(2);
    }
}

static void basics(void) {
    set_handler(SIGUSR1, 0, NULL);
    count = 0;
    raise(SIGUSR1);
    check(count == 1 && last_signo == SIGUSR1, "raise(SIGUSR1): the handler ran once");
    check(last_code == SI_TKILL && last_pid_ok && last_uid_ok,
          "raise: si_code SI_TKILL, si_pid and si_uid ours");
    check(blocked_in_handler, "the signal is blocked in its own handler");
    kill(getpid(), SIGUSR1);
    check(count == 2 && last_code == SI_USER && last_pid_ok, "kill(getpid()): si_code SI_USER, si_pid ours");
    check(kill(getpid(), 0) == 0, "kill(getpid(), 0): the process exists");
    errno = 0;
    check(kill(getpid(), 65) == -1 && errno == EINVAL, "kill with signal 65: EINVAL");

    sigset_t s, old, pend;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, &old);
    raise(SIGUSR1);
    sigpending(&pend);
    check(count == 2 && sigismember(&pend, SIGUSR1), "blocked: not delivered, and pending");
    raise(SIGUSR1);
    sigprocmask(SIG_SETMASK, &old, NULL);
    check(count == 3, "unblocked: delivered once (two sends while blocked merge)");
    sigpending(&pend);
    check(!sigismember(&pend, SIGUSR1), "no longer pending");

    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR2);
    set_handler(SIGUSR1, SA_NODEFER, &m);
    raise(SIGUSR1);
    check(count == 4 && !blocked_in_handler && mask_has_usr2,
          "SA_NODEFER: not blocked in its handler; sa_mask is");
    sigprocmask(SIG_BLOCK, NULL, &s);
    check(!sigismember(&s, SIGUSR2), "sa_mask is lifted when the handler returns");

    set_handler(SIGUSR2, SA_RESETHAND, NULL);
    raise(SIGUSR2);
    struct sigaction q;
    sigaction(SIGUSR2, NULL, &q);
    check(count == 5 && q.sa_handler == SIG_DFL,
          "SA_RESETHAND: the handler ran, the action is SIG_DFL again");

    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    check(count == 5, "SIG_IGN: nothing happens");
    raise(SIGCHLD);
    raise(SIGURG);
    raise(SIGWINCH);
    check(1, "SIGCHLD, SIGURG, SIGWINCH by default: ignored");
    errno = 0;
    check(sigaction(SIGKILL, &q, NULL) == -1 && errno == EINVAL, "sigaction(SIGKILL): EINVAL");

    set_handler(SIGRTMIN, 0, NULL);
    union sigval v = {.sival_int = 42};
    sigqueue(getpid(), SIGRTMIN, v);
    check(count == 6 && last_code == SI_QUEUE && last_value == 42, "sigqueue: SI_QUEUE and the value");
}

static char altstack[65536];
static volatile int on_alt, alt_flags_inside;
static void on_alt_handler(int sig) {
    (void)sig;
    char here;
    on_alt = &here >= altstack && &here < altstack + sizeof altstack;
    stack_t now;
    sigaltstack(NULL, &now);
    alt_flags_inside = now.ss_flags;
}

static void alternate_stack(void) {
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0}, old;
    check(sigaltstack(&ss, &old) == 0 && old.ss_flags == SS_DISABLE, "sigaltstack: set; none before");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alt_handler;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    check(on_alt && alt_flags_inside == SS_ONSTACK, "SA_ONSTACK: the handler runs on it, SS_ONSTACK inside");
    sigaltstack(NULL, &old);
    check(old.ss_flags == 0 && old.ss_sp == altstack && old.ss_size == sizeof altstack, "outside: flags 0");
    stack_t small = {.ss_sp = altstack, .ss_size = 1000, .ss_flags = 0};
    errno = 0;
    check(sigaltstack(&small, NULL) == -1 && errno == ENOMEM, "sigaltstack below MINSIGSTKSZ: ENOMEM");
    stack_t off = {.ss_flags = SS_DISABLE};
    sigaltstack(&off, NULL);
    raise(SIGUSR2);
    check(!on_alt, "SS_DISABLE: the handler runs on the normal stack");
}

/* An address no page maps, hidden from the compiler's bounds checks. */
static volatile uintptr_t unmapped = 0x10;

static sigjmp_buf jump;
static volatile int fault_code, fault_signo;
static volatile uintptr_t fault_addr;
static void on_fault(int sig, siginfo_t* si, void* uc) {
    (void)uc;
    fault_signo = sig;
    fault_code = si->si_code;
    fault_addr = (uintptr_t)si->si_addr;
    siglongjmp(jump, 1);
}

static volatile int trap_seen;
static volatile uintptr_t trap_rip;
static void on_trap(int sig, siginfo_t* si, void* ucv) {
    ucontext_t* uc = ucv;
    trap_seen = sig == SIGTRAP;
    fault_code = si->si_code;
    trap_rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
}

extern char after_int3[];

__attribute__((noinline)) static void faults(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);

    if (sigsetjmp(jump, 1) == 0)
        *(volatile int*)unmapped = 1;
    check(fault_signo == SIGSEGV && fault_code == SEGV_MAPERR && fault_addr == 0x10,
          "a write to 0x10: SIGSEGV, SEGV_MAPERR, si_addr 0x10");
    char* ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    volatile char sink = ro[100];
    (void)sink;
    fault_signo = 0;
    if (sigsetjmp(jump, 1) == 0)
        ro[100] = 1;
    check(fault_signo == SIGSEGV && fault_code == SEGV_ACCERR && fault_addr == (uintptr_t)(ro + 100),
          "a write to a read-only page: SIGSEGV, SEGV_ACCERR, its address");
    munmap(ro, 4096);
    fault_signo = 0;
    if (sigsetjmp(jump, 1) == 0) {
        volatile int zero = 0;
        volatile int r = 7 / zero;
        (void)r;
    }
    check(fault_signo == SIGFPE && fault_code == FPE_INTDIV,
          "an integer division by zero: SIGFPE, FPE_INTDIV");
    fault_signo = 0;
    if (sigsetjmp(jump, 1) == 0)
        __builtin_trap();
    check(fault_signo == SIGILL && fault_code == ILL_ILLOPN, "ud2: SIGILL, ILL_ILLOPN");
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    check(!sigismember(&now, SIGSEGV) && !sigismember(&now, SIGILL), "siglongjmp restored the mask");

    sa.sa_sigaction = on_trap;
    sigaction(SIGTRAP, &sa, NULL);
    asm volatile("int3\n.globl after_int3\nafter_int3:");
    check(trap_seen && fault_code == SI_KERNEL && trap_rip == (uintptr_t)after_int3,
          "int3: SIGTRAP, SI_KERNEL, the handler returns after it (uc_mcontext RIP)");
}

/* The registers a handler must leave as they were: r8-r10 and xmm7 across a tgkill that runs a handler
 * which overwrites them. */
static void clobber(int sig) {
    (void)sig;
    asm volatile("mov $-1, %%r8\n mov $-1, %%r9\n mov $-1, %%r10\n pcmpeqd %%xmm7, %%xmm7" ::
                     : "r8", "r9", "r10", "xmm7");
}

static void registers(void) {
    signal(SIGUSR1, clobber);
    uint64_t r8 = 0, r9 = 0, r10 = 0, x = 0;
    long ret;
    const long pid = getpid(), tid = gettid_();
    register long a0 asm("rdi") = pid;
    register long a1 asm("rsi") = tid;
    register long a2 asm("rdx") = SIGUSR1;
    asm volatile("mov $0x1111, %%r8\n mov $0x2222, %%r9\n mov $0x3333, %%r10\n"
                 "mov $0x4444, %%rax\n movq %%rax, %%xmm7\n"
                 "mov %[nr], %%eax\n syscall\n"
                 "mov %%r8, %[r8]\n mov %%r9, %[r9]\n mov %%r10, %[r10]\n movq %%xmm7, %[x]"
                 : "=a"(ret), [r8] "=m"(r8), [r9] "=m"(r9), [r10] "=m"(r10), [x] "=m"(x), "+r"(a0), "+r"(a1),
                   "+r"(a2)
                 : [nr] "i"(SYS_tgkill)
                 : "rcx", "r11", "r8", "r9", "r10", "xmm7", "memory");
    check(ret == 0 && r8 == 0x1111 && r9 == 0x2222 && r10 == 0x3333 && x == 0x4444,
          "a handler that overwrites r8-r10 and xmm7: all are back after sigreturn");
    volatile double d = 1.0 / 3.0;
    raise(SIGUSR1);
    check(d * 3.0 == 1.0, "floating point after a handler");
}

static pthread_t main_thread;
static volatile pid_t main_tid;
static int futex_word;

static void* signal_main_later(void* arg) {
    int sig = (int)(intptr_t)arg;
    struct timespec t = {0, 50 * 1000 * 1000};
    nanosleep(&t, NULL);
    pthread_kill(main_thread, sig);
    nanosleep(&t, NULL);
    __atomic_store_n(&futex_word, 1, __ATOMIC_RELEASE);
    syscall(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    return NULL;
}

static pthread_t later(int sig) {
    pthread_t t;
    futex_word = 0;
    pthread_create(&t, NULL, signal_main_later, (void*)(intptr_t)sig);
    return t;
}

static void interrupted_calls(void) {
    main_thread = pthread_self();
    set_handler(SIGUSR1, 0, NULL);
    count = 0;
    pthread_t t = later(SIGUSR1);
    struct timespec req = {5, 0}, rem = {0, 0};
    int r = nanosleep(&req, &rem);
    int e = errno;
    check(r == -1 && e == EINTR && count == 1, "nanosleep: EINTR when a handler runs");
    check(rem.tv_sec >= 3 && rem.tv_sec <= 5, "nanosleep: the time left in rem");
    pthread_join(t, NULL);

    t = later(SIGUSR1);
    long fr = syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    e = errno;
    check(fr == -1 && e == EINTR, "FUTEX_WAIT: EINTR after a handler without SA_RESTART");
    pthread_join(t, NULL);

    set_handler(SIGUSR1, SA_RESTART, NULL);
    t = later(SIGUSR1);
    fr = syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    e = errno;
    check(fr == 0 || (fr == -1 && e == EAGAIN), "FUTEX_WAIT under SA_RESTART: restarted, ends with the wake");
    pthread_join(t, NULL);

    set_handler(SIGUSR1, 0, NULL);
    sigset_t block, empty, now;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigemptyset(&empty);
    sigprocmask(SIG_BLOCK, &block, NULL);
    count = 0;
    t = later(SIGUSR1);
    r = sigsuspend(&empty);
    e = errno;
    sigprocmask(SIG_BLOCK, NULL, &now);
    check(r == -1 && e == EINTR && count == 1, "sigsuspend: EINTR after the handler");
    check(sigismember(&now, SIGUSR1), "sigsuspend: the old mask is back");
    pthread_join(t, NULL);

    siginfo_t si;
    raise(SIGUSR1);
    r = sigwaitinfo(&block, &si);
    check(r == SIGUSR1 && count == 1, "sigwaitinfo: takes a pending signal");
    printf("sigwaitinfo: si_code %d, si_pid ours: %d\n", si.si_code, si.si_pid == getpid());
    struct timespec ten_ms = {0, 10 * 1000 * 1000};
    errno = 0;
    r = sigtimedwait(&block, &si, &ten_ms);
    check(r == -1 && errno == EAGAIN, "sigtimedwait: EAGAIN on timeout");
    t = later(SIGUSR1);
    r = sigwaitinfo(&block, &si);
    check(r == SIGUSR1 && count == 1, "sigwaitinfo: waits for a signal another thread sends");
    pthread_join(t, NULL);
    sigprocmask(SIG_UNBLOCK, &block, NULL);

    t = later(SIGUSR1);
    r = pause();
    e = errno;
    check(r == -1 && e == EINTR && count == 2, "pause: EINTR after the handler");
    pthread_join(t, NULL);
}

static int pipe_w = -1;
static void on_usr2_write(int sig) {
    (void)sig;
    char c = 'r';
    if (write(pipe_w, &c, 1) == 1)
        count++;
}

/* Calls that block in Linux (delegated on the co-kernel: the proxy's call is interrupted) and a signal. */
static void blocking_calls(void) {
    main_thread = pthread_self();
    int p[2];
    if (pipe(p) != 0) {
        check(0, "pipe");
        return;
    }
    char buf[8];
    set_handler(SIGUSR1, 0, NULL);
    count = 0;
    pthread_t t = later(SIGUSR1);
    ssize_t n = read(p[0], buf, sizeof buf);
    int e = errno;
    check(n == -1 && e == EINTR && count == 1,
          "read from an empty pipe: EINTR after a handler without SA_RESTART");
    pthread_join(t, NULL);

    pipe_w = p[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2_write;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR2, &sa, NULL);
    count = 0;
    t = later(SIGUSR2);
    n = read(p[0], buf, sizeof buf);
    check(n == 1 && buf[0] == 'r' && count == 1,
          "read under SA_RESTART: restarted, returns the byte the handler wrote");
    pthread_join(t, NULL);

    set_handler(SIGUSR1, SA_RESTART, NULL);
    count = 0;
    t = later(SIGUSR1);
    struct pollfd pfd = {p[0], POLLIN, 0};
    int r = poll(&pfd, 1, 5000);
    e = errno;
    check(r == -1 && e == EINTR && count == 1, "poll: EINTR after a handler, even under SA_RESTART");
    pthread_join(t, NULL);

    /* A blocked signal interrupts nothing: ppoll times out, the handler runs once the signal is unblocked. */
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    count = 0;
    t = later(SIGUSR1);
    struct timespec wait = {0, 200 * 1000 * 1000};
    r = ppoll(&pfd, 1, &wait, NULL);
    check(r == 0 && count == 0, "ppoll with SIGUSR1 blocked: not interrupted, times out");
    pthread_join(t, NULL);
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    check(count == 1, "the blocked SIGUSR1 runs its handler once unblocked");
    close(p[0]);
    close(p[1]);
}

/* read-from-linux: a read of an empty pipe (its write end open, never written) ends with EINTR when SIGINT,
 * sent to the process from outside (to `cokernel run`), runs its handler. */
static int read_from_linux(void) {
    int p[2];
    if (pipe(p) != 0)
        return 2;
    set_handler(SIGINT, 0, NULL);
    count = 0;
    printf("ready\n");
    char c;
    ssize_t n = read(p[0], &c, 1);
    int e = errno;
    if (n == -1 && e == EINTR && count == 1) {
        printf("read-from-linux: read ended with EINTR after the SIGINT handler\n");
        return 0;
    }
    printf("read-from-linux: read returned %zd (errno %d), handler ran %d times\n", n, e, (int)count);
    return 1;
}

/* inherited: what this process got from the one that started it: ignored signals and its mask (execve keeps
 * both). */
static int inherited(void) {
    const int sigs[] = {SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGTERM, SIGRTMIN + 3};
    sigset_t mask;
    sigprocmask(SIG_SETMASK, NULL, &mask);
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old;
        sigaction(sigs[i], NULL, &old);
        printf("inherited: signal %d: %s, %s\n", sigs[i], old.sa_handler == SIG_IGN ? "ignored" : "default",
               sigismember(&mask, sigs[i]) ? "blocked" : "not blocked");
    }
    return 0;
}

/* spawn CMD ARGS...: ignores SIGHUP, SIGPIPE and SIGRTMIN+3, blocks SIGUSR2 and SIGTERM, then execs CMD. */
static int spawn(char** cmd) {
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGRTMIN + 3, SIG_IGN);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, NULL);
    execvp(cmd[0], cmd);
    perror(cmd[0]);
    return 127;
}

/* default CMD ARGS...: SIGINT and SIGQUIT back to their default action, then execs CMD. */
static int with_defaults(char** cmd) {
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    execvp(cmd[0], cmd);
    perror(cmd[0]);
    return 127;
}

static volatile sig_atomic_t alarms;
static void on_alarm(int sig) {
    (void)sig;
    alarms++;
}

static void timers(void) {
    signal(SIGALRM, on_alarm);
    alarms = 0;
    check(alarm(1) == 0, "alarm(1): no alarm before");
    int r = pause();
    check(r == -1 && errno == EINTR && alarms == 1, "alarm: SIGALRM after a second ends pause");
    alarm(5);
    check(alarm(0) == 5, "alarm(0) cancels and returns the seconds left (5)");
    struct itimerval it = {{0, 20000}, {0, 50000}}, cur;
    check(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer: 50 ms, then every 20 ms");
    while (alarms < 4)
        pause();
    getitimer(ITIMER_REAL, &cur);
    check(cur.it_interval.tv_sec == 0 && cur.it_interval.tv_usec == 20000 && cur.it_value.tv_sec == 0 &&
              cur.it_value.tv_usec <= 20000,
          "getitimer: the interval, and at most one interval left");
    struct itimerval off = {{0, 0}, {0, 0}}, old;
    setitimer(ITIMER_REAL, &off, &old);
    check(old.it_interval.tv_usec == 20000, "setitimer: the old interval comes back");
    getitimer(ITIMER_REAL, &cur);
    check(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0, "disarmed: nothing left");
    struct itimerval ten = {{0, 0}, {10, 0}};
    setitimer(ITIMER_REAL, &ten, NULL);
    getitimer(ITIMER_REAL, &cur);
    check(cur.it_value.tv_sec == 9 || cur.it_value.tv_sec == 10, "a 10 s timer has about 10 s left");
    setitimer(ITIMER_REAL, &off, NULL);
    struct timespec t = {0, 100 * 1000 * 1000};
    nanosleep(&t, NULL);
    check(alarms == 4, "no SIGALRM after it is disarmed");
    struct itimerval bad = {{0, 0}, {0, 1000000}};
    errno = 0;
    check(setitimer(ITIMER_REAL, &bad, NULL) == -1 && errno == EINVAL, "setitimer: 1000000 us: EINVAL");
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int worker_ready, worker_stop;
static volatile pid_t worker_tid;

static void* worker(void* arg) {
    (void)arg;
    worker_tid = gettid_();
    pthread_mutex_lock(&lock);
    worker_ready = 1;
    pthread_cond_broadcast(&cond);
    while (!worker_stop)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void threads(void) {
    set_handler(SIGUSR2, 0, NULL);
    pthread_t t;
    worker_ready = worker_stop = 0;
    pthread_create(&t, NULL, worker, NULL);
    pthread_mutex_lock(&lock);
    while (!worker_ready)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    count = 0;
    handler_tid = 0;
    pthread_kill(t, SIGUSR2);
    for (int i = 0; i < 1000 && count == 0; i++)
        usleep(1000);
    check(count == 1 && handler_tid == worker_tid, "pthread_kill: the handler runs in that thread");

    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    kill(getpid(), SIGUSR2);
    for (int i = 0; i < 1000 && count == 1; i++)
        usleep(1000);
    check(count == 2 && handler_tid == worker_tid, "kill: the thread that does not block it takes it");
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);

    pthread_mutex_lock(&lock);
    worker_stop = 1;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
}

/* from-linux: handlers for the six signals cokernel run passes on; "ready", then a loop with no syscalls
 * until each came once (they arrive by interrupt, not on a syscall's way out). */
static volatile uint32_t from_linux_seen;
static void on_from_linux(int sig) {
    __atomic_fetch_or(&from_linux_seen, 1u << sig, __ATOMIC_RELAXED);
}

static int from_linux(void) {
    const int sigs[] = {SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGTERM};
    uint32_t all = 0;
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        signal(sigs[i], on_from_linux);
        all |= 1u << sigs[i];
    }
    printf("ready\n");
    volatile uint64_t spins = 0;
    while ((__atomic_load_n(&from_linux_seen, __ATOMIC_RELAXED) & all) != all)
        spins++;
    printf("from-linux: SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2 and SIGTERM each reached its handler\n");
    return 0;
}

static void* raise_usr1(void* arg) {
    (void)arg;
    raise(SIGUSR1);
    return NULL;
}

int main(int argc, char** argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char* mode = argc > 1 ? argv[1] : "all";
    if (strcmp(mode, "abort") == 0) {
        abort();
    } else if (strcmp(mode, "term") == 0) {
        raise(SIGTERM);
    } else if (strcmp(mode, "segv") == 0) {
        *(volatile int*)(unmapped - 0x10) = 1;
    } else if (strcmp(mode, "usr1-thread") == 0) {
        pthread_t t;
        pthread_create(&t, NULL, raise_usr1, NULL);
        pthread_join(t, NULL);
        sleep(5);
    } else if (strcmp(mode, "from-linux") == 0) {
        return from_linux();
    } else if (strcmp(mode, "inherited") == 0) {
        return inherited();
    } else if (strcmp(mode, "spawn") == 0 && argc > 2) {
        return spawn(argv + 2);
    } else if (strcmp(mode, "default") == 0 && argc > 2) {
        return with_defaults(argv + 2);
    } else if (strcmp(mode, "read-from-linux") == 0) {
        return read_from_linux();
    } else if (strcmp(mode, "spin") == 0) {
        signal(SIGINT, SIG_DFL); /* a shell's background job starts with SIGINT and SIGQUIT ignored */
        signal(SIGQUIT, SIG_DFL);
        printf("ready\n");
        for (volatile uint64_t spins = 0;; spins++)
            ;
    } else if (strcmp(mode, "all") == 0) {
        basics();
        alternate_stack();
        faults();
        registers();
        interrupted_calls();
        blocking_calls();
        timers();
        threads();
        if (failures == 0)
            printf("signals: all checks passed\n");
        return failures == 0 ? 0 : 1;
    }
    printf("signals: mode '%s' returned\n", mode);
    return 3;
}

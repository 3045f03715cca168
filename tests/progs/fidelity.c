/* fidelity: one line per system call answer, for calls where the co-kernel once answered differently from
 * Linux (ENOSYS, or another errno). Each call is made raw (syscall(2): no glibc translation) with a valid
 * argument, a bad pointer, bad flags and a boundary, and prints "name(args): RESULT" where RESULT is the
 * value, or "-1 ERRNO_NAME". Nothing printed depends on pids, times or addresses, so the output on Linux and
 * under `cokernel run` must be identical (tests/qemu/test_fidelity.sh compares them line by line).
 *
 * Usage: fidelity           every call; exits 0
 *        fidelity int3      executes int3 with no SIGTRAP handler (the process ends by SIGTRAP: 133)
 *        fidelity measure   figures that differ between kernels and boots (clock ticks, resolutions),
 *                           for the test's log only
 *        fidelity self ARGS what it reads about itself in /proc/self (cmdline, environ, comm, status,
 *                           stat, maps) and pthread_getattr_np's main-thread stack, which glibc finds
 *                           in /proc/self/maps; nothing that differs between runs
 *        fidelity machine   what the process sees of its machine: "phys MiB, avphys <= phys, cpus N"
 *                           (sysconf from sysinfo and /sys/devices/system/cpu/online)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096L
#define BAD ((void*)1) /* a pointer no process has memory at */

/* "what: value" or "what: -1 ENAME"; returns ret. */
static long show(const char* what, long ret) {
    if (ret == -1) {
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
    } else {
        printf("%s: %ld\n", what, ret);
    }
    return ret;
}

static void fact(const char* what, int holds) {
    printf("%s: %s\n", what, holds ? "yes" : "no");
}

static void rusage_calls(void) {
    struct rusage ru;
    memset(&ru, 0xff, sizeof ru);
    show("getrusage(RUSAGE_SELF)", syscall(SYS_getrusage, RUSAGE_SELF, &ru));
    fact("  ru_maxrss > 0", ru.ru_maxrss > 0);
    fact("  ru_utime, ru_stime are times", ru.ru_utime.tv_sec >= 0 && ru.ru_utime.tv_usec >= 0 &&
                                               ru.ru_utime.tv_usec < 1000000 && ru.ru_stime.tv_sec >= 0 &&
                                               ru.ru_stime.tv_usec >= 0 && ru.ru_stime.tv_usec < 1000000);
    memset(&ru, 0xff, sizeof ru);
    show("getrusage(RUSAGE_THREAD)", syscall(SYS_getrusage, RUSAGE_THREAD, &ru));
    fact("  ru_maxrss > 0", ru.ru_maxrss > 0);
    memset(&ru, 0xff, sizeof ru);
    /* Its fields are not compared: they hold what the process reaped before its execve (busybox timeout
     * waits for a helper first, cokernel run does not). */
    show("getrusage(RUSAGE_CHILDREN)", syscall(SYS_getrusage, RUSAGE_CHILDREN, &ru));
    show("getrusage(-2)", syscall(SYS_getrusage, -2, &ru));
    show("getrusage(5)", syscall(SYS_getrusage, 5, &ru));
    show("getrusage(RUSAGE_SELF, bad)", syscall(SYS_getrusage, RUSAGE_SELF, BAD));
    show("getrusage(RUSAGE_SELF, NULL)", syscall(SYS_getrusage, RUSAGE_SELF, NULL));
    show("getrusage(5, bad)", syscall(SYS_getrusage, 5, BAD));
}

static void times_calls(void) {
    struct tms t;
    memset(&t, 0xff, sizeof t);
    long r = syscall(SYS_times, &t);
    fact("times(buf) succeeds", r != -1);
    fact("  tms_utime, tms_stime >= 0", t.tms_utime >= 0 && t.tms_stime >= 0);
    fact("  tms_cutime, tms_cstime 0", t.tms_cutime == 0 && t.tms_cstime == 0);
    long r2 = syscall(SYS_times, NULL);
    fact("times(NULL) succeeds", r2 != -1);
    fact("  clock ticks do not go back", r2 >= r);
    show("times(bad)", syscall(SYS_times, BAD));
}

static void priority_calls(void) {
    long me = getpid();
    show("getpriority(PRIO_PROCESS, 0)", syscall(SYS_getpriority, PRIO_PROCESS, 0));
    show("getpriority(PRIO_PROCESS, self)", syscall(SYS_getpriority, PRIO_PROCESS, me));
    show("getpriority(PRIO_PROCESS, 999999)", syscall(SYS_getpriority, PRIO_PROCESS, 999999));
    show("getpriority(PRIO_PGRP, 0)", syscall(SYS_getpriority, PRIO_PGRP, 0));
    show("getpriority(3, 0)", syscall(SYS_getpriority, 3, 0));
    show("getpriority(-1, 0)", syscall(SYS_getpriority, -1, 0));
    show("setpriority(PRIO_PROCESS, 0, 5)", syscall(SYS_setpriority, PRIO_PROCESS, 0, 5));
    show("  getpriority(PRIO_PROCESS, 0)", syscall(SYS_getpriority, PRIO_PROCESS, 0));
    show("setpriority(PRIO_PROCESS, self, 100)", syscall(SYS_setpriority, PRIO_PROCESS, me, 100));
    show("  getpriority(PRIO_PROCESS, 0)", syscall(SYS_getpriority, PRIO_PROCESS, 0));
    show("setpriority(PRIO_PROCESS, 0, 0) as root", syscall(SYS_setpriority, PRIO_PROCESS, 0, 0));
    show("  getpriority(PRIO_PROCESS, 0)", syscall(SYS_getpriority, PRIO_PROCESS, 0));
    show("setpriority(PRIO_PROCESS, 999999, 0)", syscall(SYS_setpriority, PRIO_PROCESS, 999999, 0));
    show("setpriority(5, 0, 0)", syscall(SYS_setpriority, 5, 0, 0));
}

static void sched_calls(void) {
    long me = getpid();
    struct sched_param sp;
    show("sched_getscheduler(0)", syscall(SYS_sched_getscheduler, 0));
    show("sched_getscheduler(self)", syscall(SYS_sched_getscheduler, me));
    show("sched_getscheduler(999999)", syscall(SYS_sched_getscheduler, 999999));
    show("sched_getscheduler(-1)", syscall(SYS_sched_getscheduler, -1));
    sp.sched_priority = 77;
    show("sched_getparam(0)", syscall(SYS_sched_getparam, 0, &sp));
    printf("  sched_priority: %d\n", sp.sched_priority);
    show("sched_getparam(self)", syscall(SYS_sched_getparam, me, &sp));
    show("sched_getparam(999999)", syscall(SYS_sched_getparam, 999999, &sp));
    show("sched_getparam(-1)", syscall(SYS_sched_getparam, -1, &sp));
    show("sched_getparam(0, NULL)", syscall(SYS_sched_getparam, 0, NULL));
    show("sched_getparam(0, bad)", syscall(SYS_sched_getparam, 0, BAD));
    show("sched_get_priority_max(SCHED_FIFO)", syscall(SYS_sched_get_priority_max, SCHED_FIFO));
    show("sched_get_priority_min(SCHED_RR)", syscall(SYS_sched_get_priority_min, SCHED_RR));
    show("sched_get_priority_max(SCHED_OTHER)", syscall(SYS_sched_get_priority_max, SCHED_OTHER));
    show("sched_get_priority_min(SCHED_BATCH)", syscall(SYS_sched_get_priority_min, SCHED_BATCH));
    show("sched_get_priority_max(SCHED_DEADLINE)", syscall(SYS_sched_get_priority_max, 6));
    show("sched_get_priority_max(8)", syscall(SYS_sched_get_priority_max, 8));
    show("sched_get_priority_min(-1)", syscall(SYS_sched_get_priority_min, -1));
}

/* Four pages, all touched, the last one unmapped again: [a, a + 3 pages) in use, the 4th not. */
static char* three_pages(void) {
    char* a = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED) {
        return NULL;
    }
    memset(a, 1, 4 * PAGE);
    munmap(a + 3 * PAGE, PAGE);
    return a;
}

static void lock_calls(char* a) {
    show("mlockall(0)", syscall(SYS_mlockall, 0));
    show("mlockall(MCL_ONFAULT)", syscall(SYS_mlockall, MCL_ONFAULT));
    show("mlockall(0x100)", syscall(SYS_mlockall, 0x100));
    show("mlockall(MCL_CURRENT)", syscall(SYS_mlockall, MCL_CURRENT));
    show("munlockall()", syscall(SYS_munlockall));
    show("mlockall(MCL_CURRENT | MCL_FUTURE)", syscall(SYS_mlockall, MCL_CURRENT | MCL_FUTURE));
    show("mlockall(MCL_FUTURE | MCL_ONFAULT)", syscall(SYS_mlockall, MCL_FUTURE | MCL_ONFAULT));
    show("munlockall()", syscall(SYS_munlockall));
    show("mlock(3 pages)", syscall(SYS_mlock, a, 3 * PAGE));
    show("mlock(unaligned, 1 byte)", syscall(SYS_mlock, a + 100, 1));
    show("munlock(3 pages)", syscall(SYS_munlock, a, 3 * PAGE));
    show("mlock(4 pages, the last unmapped)", syscall(SYS_mlock, a, 4 * PAGE));
    show("munlock(the unmapped page)", syscall(SYS_munlock, a + 3 * PAGE, PAGE));
    show("mlock(0 bytes)", syscall(SYS_mlock, a, 0));
    show("mlock2(MLOCK_ONFAULT)", syscall(SYS_mlock2, a, PAGE, 1));
    show("mlock2(flags 2)", syscall(SYS_mlock2, a, PAGE, 2));
    show("munlock(1 page)", syscall(SYS_munlock, a, PAGE));
    /* The failed mlock locked the pages before the hole (Linux), and msync(MS_INVALIDATE) of locked pages is
     * EBUSY there: unlock them all. */
    show("munlock(3 pages)", syscall(SYS_munlock, a, 3 * PAGE));
}

static void mincore_calls(char* a) {
    unsigned char vec[8];
    memset(vec, 7, sizeof vec);
    show("mincore(3 touched pages)", syscall(SYS_mincore, a, 3 * PAGE, vec));
    printf("  vec: %d %d %d %d\n", vec[0], vec[1], vec[2], vec[3]);
    memset(vec, 7, sizeof vec);
    show("mincore(1 byte)", syscall(SYS_mincore, a, 1, vec));
    printf("  vec: %d %d\n", vec[0], vec[1]);
    show("mincore(unaligned)", syscall(SYS_mincore, a + 1, PAGE, vec));
    memset(vec, 7, sizeof vec);
    show("mincore(4 pages, the last unmapped)", syscall(SYS_mincore, a, 4 * PAGE, vec));
    printf("  vec: %d %d %d %d\n", vec[0], vec[1], vec[2], vec[3]);
    show("mincore(the unmapped page)", syscall(SYS_mincore, a + 3 * PAGE, PAGE, vec));
    show("mincore(vec bad)", syscall(SYS_mincore, a, PAGE, BAD));
    show("mincore(unmapped, vec bad)", syscall(SYS_mincore, a + 3 * PAGE, PAGE, BAD));
    show("mincore(0 bytes)", syscall(SYS_mincore, a, 0, vec));
    show("mincore(kernel address)", syscall(SYS_mincore, 0xffff800000000000UL, PAGE, vec));
    show("mincore(length past the user space)", syscall(SYS_mincore, a, 1UL << 62, vec));
}

static void msync_calls(char* a) {
    show("msync(MS_SYNC)", syscall(SYS_msync, a, 3 * PAGE, MS_SYNC));
    show("msync(MS_ASYNC)", syscall(SYS_msync, a, 3 * PAGE, MS_ASYNC));
    show("msync(MS_INVALIDATE)", syscall(SYS_msync, a, 3 * PAGE, MS_INVALIDATE));
    show("msync(0)", syscall(SYS_msync, a, PAGE, 0));
    show("msync(1 byte)", syscall(SYS_msync, a, 1, MS_SYNC));
    show("msync(MS_SYNC | MS_ASYNC)", syscall(SYS_msync, a, PAGE, MS_SYNC | MS_ASYNC));
    show("msync(flags 8)", syscall(SYS_msync, a, PAGE, 8));
    show("msync(unaligned)", syscall(SYS_msync, a + 1, PAGE, MS_SYNC));
    show("msync(4 pages, the last unmapped, MS_SYNC)", syscall(SYS_msync, a, 4 * PAGE, MS_SYNC));
    show("msync(4 pages, the last unmapped, MS_ASYNC)", syscall(SYS_msync, a, 4 * PAGE, MS_ASYNC));
    show("msync(the unmapped page)", syscall(SYS_msync, a + 3 * PAGE, PAGE, MS_ASYNC));
    show("msync(0 bytes)", syscall(SYS_msync, a, 0, MS_SYNC));
    show("msync(length wraps)", syscall(SYS_msync, a, -PAGE, MS_SYNC));
}

static void select_calls(void) {
    int fds[2];
    if (pipe(fds) != 0) {
        show("pipe", -1);
        return;
    }
    fd_set r;
    struct timeval tv = {0, 1000};
    FD_ZERO(&r);
    FD_SET(fds[0], &r);
    show("select(empty pipe, 1 ms)", select(fds[0] + 1, &r, NULL, NULL, &tv));
    fact("  not readable", !FD_ISSET(fds[0], &r));
    if (write(fds[1], "x", 1) != 1) {
        show("write", -1);
    }
    tv = (struct timeval){0, 0};
    FD_ZERO(&r);
    FD_SET(fds[0], &r);
    show("select(pipe with a byte, poll)", select(fds[0] + 1, &r, NULL, NULL, &tv));
    fact("  readable", FD_ISSET(fds[0], &r));
    show("select(-1)", select(-1, &r, NULL, NULL, &tv));
    close(fds[0]);
    close(fds[1]);
}

static void signal_calls(void) {
    show("kill(999999, 0)", syscall(SYS_kill, 999999, 0));
    show("kill(0, 0)", syscall(SYS_kill, 0, 0));
    show("kill(self, 0)", syscall(SYS_kill, getpid(), 0));
    show("kill(-own group, 0)", syscall(SYS_kill, -getpgrp(), 0));
    show("kill(-999999, 0)", syscall(SYS_kill, -999999, 0));
    show("kill(INT_MIN, 0)", syscall(SYS_kill, (int)0x80000000, 0));
    show("kill(self, 65)", syscall(SYS_kill, getpid(), 65));
    show("kill(999999, 65)", syscall(SYS_kill, 999999, 65));
    show("tgkill(self, 999999, 0)", syscall(SYS_tgkill, getpid(), 999999, 0));
    show("tgkill(self, self, 65)", syscall(SYS_tgkill, getpid(), getpid(), 65));
    show("tgkill(self, 999999, 65)", syscall(SYS_tgkill, getpid(), 999999, 65));
    show("tkill(999999, 65)", syscall(SYS_tkill, 999999, 65));
    show("tgkill(0, self, 0)", syscall(SYS_tgkill, 0, getpid(), 0));
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_code = SI_QUEUE;
    show("rt_sigqueueinfo(999999, SIGUSR1, SI_QUEUE)", syscall(SYS_rt_sigqueueinfo, 999999, SIGUSR1, &si));
    show("rt_sigqueueinfo(self, 65, SI_QUEUE)", syscall(SYS_rt_sigqueueinfo, getpid(), 65, &si));
    show("rt_sigqueueinfo(self, 65, bad)", syscall(SYS_rt_sigqueueinfo, getpid(), 65, BAD));
    show("rt_sigqueueinfo(999999, SIGUSR1, bad)", syscall(SYS_rt_sigqueueinfo, 999999, SIGUSR1, BAD));
    si.si_code = SI_USER;
    show("rt_sigqueueinfo(999999, SIGUSR1, SI_USER)", syscall(SYS_rt_sigqueueinfo, 999999, SIGUSR1, &si));
    show("rt_tgsigqueueinfo(self, 999999, SIGUSR1, SI_USER)",
         syscall(SYS_rt_tgsigqueueinfo, getpid(), 999999, SIGUSR1, &si));
    si.si_code = SI_QUEUE;
    show("rt_tgsigqueueinfo(self, 999999, SIGUSR1, SI_QUEUE)",
         syscall(SYS_rt_tgsigqueueinfo, getpid(), 999999, SIGUSR1, &si));
    show("rt_tgsigqueueinfo(self, self, 65, SI_QUEUE)",
         syscall(SYS_rt_tgsigqueueinfo, getpid(), getpid(), 65, &si));
    show("rt_tgsigqueueinfo(0, self, SIGUSR1, SI_QUEUE)",
         syscall(SYS_rt_tgsigqueueinfo, 0, getpid(), SIGUSR1, &si));
    show("rt_sigaction(SIGUSR1, bad, NULL)", syscall(SYS_rt_sigaction, SIGUSR1, BAD, NULL, 8));
    show("rt_sigaction(SIGUSR1, NULL, bad)", syscall(SYS_rt_sigaction, SIGUSR1, NULL, BAD, 8));
    show("rt_sigaction(SIGUSR1, NULL, NULL, 4)", syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 4));
    show("rt_sigaction(SIGKILL, bad, NULL)", syscall(SYS_rt_sigaction, SIGKILL, BAD, NULL, 8));
}

static void memory_calls(void) {
    show("munmap(kernel address)", syscall(SYS_munmap, 0xffff800000000000UL, PAGE));
    show("munmap(the last user page)", syscall(SYS_munmap, 0x7ffffffff000UL, PAGE));
    show("munmap(past the user space)", syscall(SYS_munmap, 0x7ffffffff000UL, 2 * PAGE));
    show("munmap(1 << 47)", syscall(SYS_munmap, 1UL << 47, PAGE));
    show("munmap(0 bytes)", syscall(SYS_munmap, 0x10000000UL, 0));
    show("munmap(unaligned)", syscall(SYS_munmap, 0x10000001UL, PAGE));
    show("munmap(free space)", syscall(SYS_munmap, 0x10000000UL, PAGE));
    /* More than the VM's memory and any enclave's: no overcommit heuristic lets it through. */
    long r = syscall(SYS_mmap, NULL, 1UL << 40, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    show("mmap(1 TiB)", r == -1 ? -1 : 0);
    r = syscall(SYS_mmap, NULL, 1UL << 46, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    show("mmap(64 TiB)", r == -1 ? -1 : 0);
    r = syscall(SYS_mmap, NULL, 1UL << 48, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    show("mmap(256 TiB)", r == -1 ? -1 : 0);
}

static char small[16];

static void read_calls(void) {
    char path[] = "/tmp/fidelity.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, "fifteen bytes!\n", 15) != 15) {
        show("mkstemp", -1);
        return;
    }
    unlink(path);
    lseek(fd, 0, SEEK_SET);
    memset(small, 0, sizeof small);
    show("read(15-byte file, len 1 << 40) into 16 bytes", syscall(SYS_read, fd, small, 1UL << 40));
    fact("  the bytes", memcmp(small, "fifteen bytes!\n", 15) == 0);
    lseek(fd, 0, SEEK_SET);
    show("read(15-byte file, len 1 << 62)", syscall(SYS_read, fd, small, 1UL << 62));
    show("read(15-byte file, len -1)", syscall(SYS_read, fd, small, -1L));
    show("pread64(15-byte file, len 1 << 40, offset 5)", syscall(SYS_pread64, fd, small, 1UL << 40, 5));
    lseek(fd, 0, SEEK_SET);
    show("read(15-byte file, len 8)", syscall(SYS_read, fd, small, 8));
    show("read(bad, len 8)", syscall(SYS_read, fd, BAD, 8));
    close(fd);
}

static void clock_calls(void) {
    static const struct {
        int id;
        const char* name;
    } clocks[] = {
        {0, "CLOCK_REALTIME"},
        {1, "CLOCK_MONOTONIC"},
        {2, "CLOCK_PROCESS_CPUTIME_ID"},
        {3, "CLOCK_THREAD_CPUTIME_ID"},
        {4, "CLOCK_MONOTONIC_RAW"},
        {7, "CLOCK_BOOTTIME"},
        {8, "CLOCK_REALTIME_ALARM"},
        {9, "CLOCK_BOOTTIME_ALARM"},
        {10, "clock 10"},
        {11, "CLOCK_TAI"},
        {12, "clock 12"},
        {-1, "clock -1"},
    };
    char what[80];
    for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
        struct timespec ts;
        snprintf(what, sizeof what, "clock_gettime(%s)", clocks[i].name);
        show(what, syscall(SYS_clock_gettime, clocks[i].id, &ts));
        snprintf(what, sizeof what, "clock_getres(%s)", clocks[i].name);
        show(what, syscall(SYS_clock_getres, clocks[i].id, &ts));
    }
    /* The CPU-time clocks of clock_getcpuclockid and pthread_getcpuclockid: ~pid << 3 | which, bit 2 for
     * a thread. */
    struct timespec ts;
    const long me = getpid(), tid = syscall(SYS_gettid);
#define CPUCLOCK(pid, bits) ((long)(~(unsigned long)(pid) << 3) | (bits))
    show("clock_gettime(process CPU clock of 0)", syscall(SYS_clock_gettime, CPUCLOCK(0L, 2), &ts));
    show("clock_gettime(process CPU clock of self, PROF)", syscall(SYS_clock_gettime, CPUCLOCK(me, 0), &ts));
    show("clock_gettime(thread CPU clock of self)", syscall(SYS_clock_gettime, CPUCLOCK(tid, 4 | 2), &ts));
    show("clock_gettime(thread CPU clock of 0, VIRT)", syscall(SYS_clock_gettime, CPUCLOCK(0L, 4 | 1), &ts));
    show("clock_gettime(process CPU clock of 999999)", syscall(SYS_clock_gettime, CPUCLOCK(999999L, 2), &ts));
    show("clock_gettime(thread CPU clock of 999999)", syscall(SYS_clock_gettime, CPUCLOCK(999999L, 6), &ts));
    show("clock_gettime(CPU clock of self, which 3)", syscall(SYS_clock_gettime, CPUCLOCK(me, 3), &ts));
    show("clock_getres(process CPU clock of self)", syscall(SYS_clock_getres, CPUCLOCK(me, 2), &ts));
    show("clock_gettime(CLOCK_MONOTONIC, bad)", syscall(SYS_clock_gettime, 1, BAD));
    show("clock_getres(CLOCK_MONOTONIC, NULL)", syscall(SYS_clock_getres, 1, NULL));
}

static long slurp(const char* path, char* buf, long size) {
    int fd = open(path, O_RDONLY);
    long n = fd < 0 ? -1 : read(fd, buf, size - 1);
    if (fd >= 0) {
        close(fd);
    }
    buf[n > 0 ? n : 0] = 0;
    return n;
}

/* The first line of text that starts with key, without its newline (or "(none)"). */
static void print_line(const char* what, const char* text, const char* key) {
    const char* p = text;
    while (p && *p && strncmp(p, key, strlen(key)) != 0) {
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    int len = p && *p ? (int)(strchrnul(p, '\n') - p) : 0;
    printf("%s: %.*s\n", what, len ? len : 6, len ? p : "(none)");
}

static int self_files(void) {
    static char buf[1 << 16];
    long n = slurp("/proc/self/cmdline", buf, sizeof buf);
    printf("cmdline:");
    for (long i = 0; i < n; i += (long)strlen(buf + i) + 1) {
        printf(" [%s]", buf + i);
    }
    printf("\n");
    n = slurp("/proc/self/environ", buf, sizeof buf);
    int found = 0;
    for (long i = 0; i < n; i += (long)strlen(buf + i) + 1) {
        found |= strcmp(buf + i, "FIDELITY_ENV=yes") == 0;
    }
    fact("environ has FIDELITY_ENV=yes", found);
    slurp("/proc/self/comm", buf, sizeof buf);
    printf("comm: %s", buf);
    slurp("/proc/thread-self/comm", buf, sizeof buf);
    printf("thread-self comm: %s", buf);
    slurp("/proc/self/status", buf, sizeof buf);
    print_line("status", buf, "Name:");
    fact("status Pid is getpid()", strstr(buf, "\nPid:\t") && atol(strstr(buf, "\nPid:\t") + 6) == getpid());
    slurp("/proc/self/stat", buf, sizeof buf);
    char* open_paren = strchr(buf, '(');
    char* close_paren = strrchr(buf, ')');
    printf("stat comm: %.*s\n", open_paren && close_paren ? (int)(close_paren - open_paren + 1) : 0,
           open_paren);
    fact("stat pid is getpid()", atol(buf) == getpid());
    /* The mapping that holds a local variable is the stack, and glibc's main-thread stack holds it too. */
    unsigned long here = (unsigned long)&n, lo = 0, hi = 0;
    slurp("/proc/self/maps", buf, sizeof buf);
    int stack_line = 0;
    for (char* line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo <= here && here < hi) {
            stack_line = strstr(line, "[stack]") != NULL && strstr(line, "[stack]") < strchrnul(line, '\n');
            break;
        }
    }
    fact("maps: the line holding a local variable says [stack]", stack_line);
    pthread_attr_t attr;
    void* addr = NULL;
    size_t size = 0;
    int r = pthread_getattr_np(pthread_self(), &attr);
    if (r == 0) {
        pthread_attr_getstack(&attr, &addr, &size);
        pthread_attr_destroy(&attr);
    }
    fact("pthread_getattr_np(main thread) succeeds", r == 0);
    fact("  its stack holds a local variable, below the [stack] mapping's end",
         (unsigned long)addr <= here && here < (unsigned long)addr + size &&
             (unsigned long)addr + size <= hi);
    return 0;
}

static long cpu_ns(clockid_t clk) {
    struct timespec ts;
    clock_gettime(clk, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* CPU time is time on a CPU: a busy loop adds to it, a sleep and a wait in a (delegated) poll do not. */
static void cpu_time_calls(void) {
    long t0 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID), th0 = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
    volatile unsigned long spin = 0;
    struct timespec w0, w1;
    clock_gettime(CLOCK_MONOTONIC, &w0);
    do {
        for (int i = 0; i < 100000; i++) {
            spin += i;
        }
        clock_gettime(CLOCK_MONOTONIC, &w1);
    } while ((w1.tv_sec - w0.tv_sec) * 1000000000L + w1.tv_nsec - w0.tv_nsec < 100000000L);
    long t1 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID), th1 = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
    fact("100 ms of busy loop adds 20 ms or more of process CPU time", t1 - t0 >= 20000000L);
    fact("  and of thread CPU time", th1 - th0 >= 20000000L);
    struct timespec nap = {0, 200000000L};
    nanosleep(&nap, NULL);
    long t2 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
    fact("a 200 ms sleep adds less than 100 ms of CPU time", t2 - t1 < 100000000L);
    int fds[2];
    if (pipe(fds) == 0) {
        struct pollfd pfd = {fds[0], POLLIN, 0};
        show("poll(empty pipe, 200 ms)", poll(&pfd, 1, 200));
        long t3 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
        fact("  adds less than 100 ms of CPU time", t3 - t2 < 100000000L);
        close(fds[0]);
        close(fds[1]);
    }
    struct tms t;
    syscall(SYS_times, &t);
    fact("times: tms_utime + tms_stime is the CPU time (10 ms ticks)",
         labs((t.tms_utime + t.tms_stime) * 10000000L - cpu_ns(CLOCK_PROCESS_CPUTIME_ID)) < 30000000L);
}

static void measure(void) {
    struct timespec mono, res;
    struct tms t;
    long ticks = syscall(SYS_times, &t);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    printf("times() %ld, CLOCK_MONOTONIC %ld.%09ld s: times() - monotonic ticks = %ld\n", ticks,
           (long)mono.tv_sec, mono.tv_nsec, ticks - (mono.tv_sec * 100 + mono.tv_nsec / 10000000));
    for (int id = 0; id <= 11; id++) {
        long r = syscall(SYS_clock_getres, id, &res);
        printf("clock_getres(%d): %ld %s %ld.%09ld\n", id, r, r ? strerrorname_np(errno) : "",
               (long)res.tv_sec, res.tv_nsec);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("ru_maxrss %ld KiB, ru_utime %ld.%06ld s, ru_stime %ld.%06ld s\n", ru.ru_maxrss,
           (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec, (long)ru.ru_stime.tv_sec,
           (long)ru.ru_stime.tv_usec);
}

int main(int argc, char** argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && strcmp(argv[1], "int3") == 0) {
        __asm__ volatile("int3");
        printf("int3: still running\n");
        return 1;
    }
    if (argc > 1 && strcmp(argv[1], "self") == 0) {
        return self_files();
    }
    if (argc > 1 && strcmp(argv[1], "machine") == 0) {
        long phys = sysconf(_SC_PHYS_PAGES), avphys = sysconf(_SC_AVPHYS_PAGES);
        printf("phys %ld MiB, avphys <= phys: %s, cpus %ld\n", phys * (sysconf(_SC_PAGESIZE) >> 10) >> 10,
               avphys > 0 && avphys <= phys ? "yes" : "no", sysconf(_SC_NPROCESSORS_ONLN));
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "measure") == 0) {
        measure();
        return 0;
    }
    char* a = three_pages();
    if (a == NULL) {
        show("mmap(4 pages)", -1);
        return 1;
    }
    rusage_calls();
    times_calls();
    priority_calls();
    sched_calls();
    lock_calls(a);
    mincore_calls(a);
    msync_calls(a);
    select_calls();
    signal_calls();
    memory_calls();
    read_calls();
    clock_calls();
    cpu_time_calls();
    printf("fidelity: done\n");
    return 0;
}

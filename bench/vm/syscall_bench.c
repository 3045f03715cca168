/* syscall_bench: the cost of one system call, for comparing the co-kernel with Linux in the same VM run.
 * Native candidates (calls the co-kernel will answer itself): getpid, clock_gettime (the vDSO on Linux).
 * Delegated candidates (calls the co-kernel will forward to the Linux proxy): getppid, fstat, and a 1-byte
 * write to /dev/null. signal_rt: a signal's round trip, raise(SIGUSR1) (tgkill) + its handler + rt_sigreturn.
 * Each is made ITERATIONS times in a loop, the loop is timed with CLOCK_MONOTONIC and the TSC, and the best
 * of REPEATS loops is printed as ns and TSC cycles per call; an empty loop is the baseline. Absolute figures
 * depend on the machine (under QEMU TCG they are inflated); compare ratios within one run.
 *
 * Usage: syscall_bench [ITERATIONS [REPEATS]]   (defaults 100000 and 5)
 * Output: one line per call: "NAME  NS ns/call  CYCLES cycles/call  (native|delegated|baseline)".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

static int devnull = -1;
static volatile long sink;

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void op_empty(void) {
    __asm__ volatile("" ::: "memory");
}
static void op_getpid(void) {
    sink = syscall(SYS_getpid); /* the raw syscall: glibc no longer caches getpid, but be explicit */
}
static void op_clock_gettime(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    sink = t.tv_nsec;
}
static void op_getppid(void) {
    sink = syscall(SYS_getppid);
}
static void op_fstat(void) {
    struct stat st;
    sink = fstat(devnull, &st);
}
static void op_write(void) {
    sink = write(devnull, "x", 1);
}

static volatile sig_atomic_t handled;
static void on_usr1(int sig) {
    (void)sig;
    handled++;
}
static void op_signal(void) {
    raise(SIGUSR1);
}

struct op {
    const char* name;
    const char* kind;
    void (*fn)(void);
};

int main(int argc, char** argv) {
    long iters = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    long repeats = argc > 2 ? strtol(argv[2], NULL, 10) : 5;
    if (iters < 1 || repeats < 1) {
        fprintf(stderr, "usage: syscall_bench [ITERATIONS [REPEATS]] (both positive)\n");
        return 2;
    }
    devnull = open("/dev/null", O_WRONLY);
    if (devnull < 0) {
        perror("syscall_bench: /dev/null");
        return 1;
    }
    static const struct op ops[] = {
        {"empty_loop", "baseline", op_empty},
        {"getpid", "native", op_getpid},
        {"clock_gettime", "native", op_clock_gettime},
        {"getppid", "delegated", op_getppid},
        {"fstat", "delegated", op_fstat},
        {"write_devnull", "delegated", op_write},
        {"signal_rt", "native", op_signal},
    };
    signal(SIGUSR1, on_usr1);
    printf("syscall_bench: %ld iterations, best of %ld\n", iters, repeats);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        double best_ns = 1e30, best_cycles = 1e30;
        ops[i].fn(); /* warm up */
        for (long r = 0; r < repeats; r++) {
            int64_t t0 = now_ns();
            uint64_t c0 = __rdtsc();
            for (long k = 0; k < iters; k++)
                ops[i].fn();
            uint64_t c1 = __rdtsc();
            int64_t t1 = now_ns();
            double ns = (double)(t1 - t0) / (double)iters;
            double cycles = (double)(c1 - c0) / (double)iters;
            if (ns < best_ns)
                best_ns = ns;
            if (cycles < best_cycles)
                best_cycles = cycles;
        }
        printf("%-14s %10.1f ns/call %10.0f cycles/call  (%s)\n", ops[i].name, best_ns, best_cycles,
               ops[i].kind);
    }
    close(devnull);
    if (handled < iters * repeats) {
        fprintf(stderr, "syscall_bench: %ld of %ld signals handled\n", (long)handled, iters * repeats);
        return 1;
    }
    return 0;
}

/* OpenMP (GCC's libgomp, linked static), run on Linux and under `cokernel run` and compared byte for byte
 * (tests/qemu/test_threads.sh).
 *
 * `omp` runs a parallel for, a reduction(+), critical, atomic, recursive tasks (fib), single and master, and
 * a barrier; every result is an integer that does not depend on the number of threads or their timing, and
 * each is checked against the serial value ("FAIL ..." on stderr, exit 1). The team size is never printed.
 *
 * `omp procs` prints what the runtime and libc see (one "procs: NAME VALUE" line each): omp_get_num_procs,
 * omp_get_max_threads, sysconf(_SC_NPROCESSORS_ONLN), get_nprocs, then the number of distinct sched_getcpu()
 * values read inside a parallel region while all its threads are alive (a barrier, a 0.2 s busy phase so that
 * Linux has spread them, the reading, another barrier), with the sorted list:
 * "procs: distinct CPUs K (C0 C1 ...) in a team of T". Not compared with Linux: the test checks the values.
 */
#define _GNU_SOURCE
#include <omp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

static void fail(const char* what) {
    fprintf(stderr, "FAIL omp: %s\n", what);
    exit(1);
}

static unsigned long f(long i) {
    return (unsigned long)(i * i) % 1000003u + (unsigned long)i;
}

static void check_parallel_for(void) {
    enum { N = 200000 };
    static unsigned long a[N];
#pragma omp parallel for schedule(static)
    for (long i = 0; i < N; i++)
        a[i] = f(i);
    unsigned long sum = 0, want = 0;
    for (long i = 0; i < N; i++) {
        sum += a[i];
        want += f(i);
    }
    if (sum != want)
        fail("parallel for: an element was computed wrong or not at all");
    printf("parallel for: %d elements, sum %lu\n", N, sum);
}

static void check_reduction(void) {
    enum { N = 1000000 };
    unsigned long sum = 0, want = 0;
#pragma omp parallel for reduction(+ : sum) schedule(dynamic, 1000)
    for (long i = 0; i < N; i++)
        sum += f(i) & 0xff;
    for (long i = 0; i < N; i++)
        want += f(i) & 0xff;
    if (sum != want)
        fail("reduction(+) differs from the serial sum");
    printf("reduction(+): %d terms, sum %lu\n", N, sum);
}

static void check_critical_atomic(void) {
    enum { N = 100000 };
    long critical_count = 0, atomic_count = 0;
    long critical_max = -1; /* a read-modify-write that atomic cannot do */
#pragma omp parallel for
    for (long i = 0; i < N; i++) {
#pragma omp critical
        {
            long v = critical_count;
            __asm__ volatile("" ::: "memory");
            critical_count = v + 1;
            if ((long)f(i) > critical_max)
                critical_max = (long)f(i);
        }
#pragma omp atomic
        atomic_count++;
    }
    long want_max = -1;
    for (long i = 0; i < N; i++)
        if ((long)f(i) > want_max)
            want_max = (long)f(i);
    if (critical_count != N || critical_max != want_max)
        fail("critical: lost updates");
    if (atomic_count != N)
        fail("atomic: lost updates");
    printf("critical: %ld increments, max %ld\n", critical_count, critical_max);
    printf("atomic: %ld increments\n", atomic_count);
}

static long fib_tasks(int n) {
    if (n < 2)
        return n;
    if (n < 12) /* small ones serially: enough tasks remain (a few hundred) */
        return fib_tasks(n - 1) + fib_tasks(n - 2);
    long x, y;
#pragma omp task shared(x)
    x = fib_tasks(n - 1);
#pragma omp task shared(y)
    y = fib_tasks(n - 2);
#pragma omp taskwait
    return x + y;
}

static void check_tasks(void) {
    long r = -1;
#pragma omp parallel
#pragma omp single
    r = fib_tasks(25);
    if (r != 75025)
        fail("fib(25) with tasks is not 75025");
    printf("tasks: fib(25) = %ld\n", r);
}

static void check_single_master_barrier(void) {
    int single_runs = 0, master_runs = 0, master_thread = -1, late = 0, team = 0;
    int arrived = 0;
#pragma omp parallel
    {
#pragma omp single
        {
            single_runs++;
            team = omp_get_num_threads();
        } /* implied barrier: team is set for everyone */
#pragma omp master
        {
            master_runs++;
            master_thread = omp_get_thread_num();
        }
#pragma omp atomic
        arrived++;
#pragma omp barrier
        int seen;
#pragma omp atomic read
        seen = arrived;
        if (seen != team) {
#pragma omp atomic
            late++;
        }
    }
    if (single_runs != 1)
        fail("single ran more or less than once");
    if (master_runs != 1 || master_thread != 0)
        fail("master did not run once, on thread 0");
    if (late != 0)
        fail("a thread passed the barrier before the whole team arrived");
    printf("single: ran once; master: ran once, on thread 0; barrier: the whole team arrived first\n");
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int run_procs(void) {
    printf("procs: omp_get_num_procs %d\n", omp_get_num_procs());
    printf("procs: omp_get_max_threads %d\n", omp_get_max_threads());
    printf("procs: sysconf(_SC_NPROCESSORS_ONLN) %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
    printf("procs: get_nprocs %d\n", get_nprocs());
    enum { MAX = 256 };
    static int cpu[MAX];
    int team = 0;
#pragma omp parallel
    {
#pragma omp single
        team = omp_get_num_threads();
        /* The single's barrier: all threads are alive from here to the barrier below. */
        const double busy = now_s() + 0.2;
        while (now_s() < busy)
            ;
        int id = omp_get_thread_num();
        if (id < MAX)
            cpu[id] = sched_getcpu();
#pragma omp barrier
    }
    if (team > MAX)
        fail("procs: a team larger than 256");
    int list[MAX], distinct = 0;
    for (int i = 0; i < team; i++) {
        if (cpu[i] < 0)
            fail("procs: sched_getcpu failed");
        int known = 0;
        for (int j = 0; j < distinct; j++)
            known |= list[j] == cpu[i];
        if (!known)
            list[distinct++] = cpu[i];
    }
    for (int i = 1; i < distinct; i++)
        for (int j = i; j > 0 && list[j - 1] > list[j]; j--) {
            int x = list[j];
            list[j] = list[j - 1];
            list[j - 1] = x;
        }
    printf("procs: distinct CPUs %d (", distinct);
    for (int i = 0; i < distinct; i++)
        printf(i ? " %d" : "%d", list[i]);
    printf(") in a team of %d\n", team);
    return 0;
}

int main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "procs") == 0)
        return run_procs();
    if (argc != 1) {
        fprintf(stderr, "usage: omp [procs]\n");
        return 2;
    }
    check_parallel_for();
    check_reduction();
    check_critical_atomic();
    check_tasks();
    check_single_master_barrier();
    printf("omp: all checks passed\n");
    return 0;
}

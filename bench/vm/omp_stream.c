/* omp_stream: STREAM Triad (a = b + s * c) with OpenMP over THREADS threads, for comparing the co-kernel's
 * threads with Linux's in one VM run (bench/vm/run-vm-bench). The arrays are first touched by the threads
 * that later use them (the same static schedule), so each page is where its thread runs. Best of ITERATIONS
 * timed Triads; then the arrays are checked against the scalar value of the same sequence.
 *
 * Usage: omp_stream THREADS [ELEMENTS [ITERATIONS]]   (defaults 4194304 doubles per array, 10 iterations)
 * Output: "omp_stream: ..." (sizes), "Triad  MBS MB/s  THREADS threads" (10^6 bytes per second from the best
 * run; 24 bytes per element), then "Solution validates" (exit 0) or "Validation failed" (exit 1).
 */
#define _GNU_SOURCE
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static long parse(const char* s, const char* what, long min) {
    char* end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < min) {
        fprintf(stderr, "omp_stream: %s must be a number >= %ld, not '%s'\n", what, min, s);
        exit(2);
    }
    return v;
}

static double* alloc_array(long n) {
    void* p = NULL;
    if (posix_memalign(&p, 64, (size_t)n * sizeof(double)) != 0) {
        fprintf(stderr, "omp_stream: cannot allocate %ld doubles\n", n);
        exit(2);
    }
    return p;
}

int main(int argc, char** argv) {
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: omp_stream THREADS [ELEMENTS [ITERATIONS]]\n");
        return 2;
    }
    const int threads = (int)parse(argv[1], "THREADS", 1);
    const long n = argc > 2 ? parse(argv[2], "ELEMENTS", 1000) : 4194304;
    const int iters = argc > 3 ? (int)parse(argv[3], "ITERATIONS", 2) : 10;
    const double s = 3.0;
    omp_set_dynamic(0);
    omp_set_num_threads(threads);
    double *a = alloc_array(n), *b = alloc_array(n), *c = alloc_array(n);
    int team = 0;
#pragma omp parallel
    {
#pragma omp single
        team = omp_get_num_threads();
#pragma omp for schedule(static)
        for (long i = 0; i < n; i++) {
            a[i] = 1.0;
            b[i] = 2.0;
            c[i] = 0.5;
        }
    }
    if (team != threads) {
        fprintf(stderr, "omp_stream: asked for %d threads, got a team of %d\n", threads, team);
        return 1;
    }
    printf("omp_stream: %ld doubles per array (%.1f MiB each), %d iterations, %d threads, best time counts\n",
           n, (double)n * sizeof(double) / 1048576.0, iters, threads);
    double best = DBL_MAX;
    for (int it = 0; it < iters; it++) {
        const double t0 = now_s();
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++)
            a[i] = b[i] + s * c[i];
        const double t = now_s() - t0;
        if (t < best)
            best = t;
            /* b = a - s * c gives b its value back, so every iteration computes the same. */
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++)
            b[i] = a[i] - s * c[i];
    }
    printf("Triad %12.1f MB/s  %d threads\n", 3.0 * sizeof(double) * (double)n / best / 1e6, threads);
    const double want_a = 2.0 + s * 0.5;
    double err = 0;
    for (long i = 0; i < n; i++)
        err += fabs(a[i] - want_a) + fabs(b[i] - 2.0);
    if (err / (double)n > 1e-13) {
        printf("Validation failed: average error %g\n", err / (double)n);
        return 1;
    }
    printf("Solution validates\n");
    return 0;
}

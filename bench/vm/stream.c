/* stream: memory bandwidth in the style of McCalpin's STREAM (written for this project, not derived from its
 * source). Four kernels over three arrays of doubles, each timed separately, best of ITERATIONS runs:
 *   copy  c = a          (16 bytes moved per element)
 *   scale b = s * c      (16 bytes)
 *   add   c = a + b      (24 bytes)
 *   triad a = b + s * c  (24 bytes)
 * Prints MB/s (10^6 bytes per second) from the best run of each kernel, then checks the arrays against the
 * values the same sequence of operations gives on scalars and prints "Solution validates" (exit 0) or
 * "Validation failed" (exit 1).
 *
 * Usage: stream [ELEMENTS [ITERATIONS]]   (defaults 4194304 doubles per array = 32 MiB, 10 iterations)
 */
#define _GNU_SOURCE
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
        fprintf(stderr, "stream: %s must be a number >= %ld, not '%s'\n", what, min, s);
        exit(2);
    }
    return v;
}

static double* alloc_array(size_t n) {
    void* p = NULL;
    if (posix_memalign(&p, 64, n * sizeof(double)) != 0) {
        fprintf(stderr, "stream: cannot allocate %zu doubles\n", n);
        exit(2);
    }
    return p;
}

/* Average absolute difference of ARR from WANT, relative to WANT. */
static double rel_error(const double* arr, size_t n, double want) {
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += fabs(arr[i] - want);
    return sum / (double)n / fabs(want);
}

int main(int argc, char** argv) {
    const size_t n = argc > 1 ? (size_t)parse(argv[1], "ELEMENTS", 1000) : 4194304;
    const int iters = argc > 2 ? (int)parse(argv[2], "ITERATIONS", 2) : 10;
    const double s = 3.0;
    double *a = alloc_array(n), *b = alloc_array(n), *c = alloc_array(n);
    for (size_t i = 0; i < n; i++) { /* also faults every page in before timing */
        a[i] = 1.0;
        b[i] = 2.0;
        c[i] = 0.0;
    }
    printf("stream: %zu doubles per array (%.1f MiB each, %.1f MiB total), %d iterations, best time counts\n",
           n, (double)(n * sizeof(double)) / 1048576.0, 3.0 * (double)(n * sizeof(double)) / 1048576.0,
           iters);

    static const char* const names[4] = {"Copy", "Scale", "Add", "Triad"};
    const double bytes[4] = {2.0 * sizeof(double) * (double)n, 2.0 * sizeof(double) * (double)n,
                             3.0 * sizeof(double) * (double)n, 3.0 * sizeof(double) * (double)n};
    double best[4], worst[4], total[4];
    for (int k = 0; k < 4; k++) {
        best[k] = DBL_MAX;
        worst[k] = 0;
        total[k] = 0;
    }
    for (int it = 0; it < iters; it++) {
        double t[4];
        t[0] = now_s();
        for (size_t i = 0; i < n; i++)
            c[i] = a[i];
        t[0] = now_s() - t[0];
        t[1] = now_s();
        for (size_t i = 0; i < n; i++)
            b[i] = s * c[i];
        t[1] = now_s() - t[1];
        t[2] = now_s();
        for (size_t i = 0; i < n; i++)
            c[i] = a[i] + b[i];
        t[2] = now_s() - t[2];
        t[3] = now_s();
        for (size_t i = 0; i < n; i++)
            a[i] = b[i] + s * c[i];
        t[3] = now_s() - t[3];
        if (it == 0)
            continue; /* the first iteration warms caches and TLBs */
        for (int k = 0; k < 4; k++) {
            if (t[k] < best[k])
                best[k] = t[k];
            if (t[k] > worst[k])
                worst[k] = t[k];
            total[k] += t[k];
        }
    }
    printf("%-8s %12s %12s %12s %12s\n", "Function", "Best MB/s", "Avg time s", "Min time s", "Max time s");
    for (int k = 0; k < 4; k++) {
        double b_time = best[k] > 0 ? best[k] : 1e-9;
        printf("%-8s %12.1f %12.6f %12.6f %12.6f\n", names[k], bytes[k] / b_time / 1e6,
               total[k] / (iters - 1), best[k], worst[k]);
    }

    /* The same operations on scalars give the value every element must hold. */
    double ea = 1.0, eb = 2.0, ec = 0.0;
    for (int it = 0; it < iters; it++) {
        ec = ea;
        eb = s * ec;
        ec = ea + eb;
        ea = eb + s * ec;
    }
    const double eps = 1e-13;
    double errs[3] = {rel_error(a, n, ea), rel_error(b, n, eb), rel_error(c, n, ec)};
    int bad = 0;
    for (int k = 0; k < 3; k++) {
        if (!(errs[k] <= eps)) {
            printf("Validation failed: array %c relative error %g (expected %g)\n", 'a' + k, errs[k],
                   k == 0   ? ea
                   : k == 1 ? eb
                            : ec);
            bad = 1;
        }
    }
    if (bad)
        return 1;
    printf("Solution validates: average relative error below %g on all three arrays\n", eps);
    free(a);
    free(b);
    free(c);
    return 0;
}

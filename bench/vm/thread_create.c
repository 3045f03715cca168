/* thread_create: pthread_create followed by pthread_join of a thread that returns at once, in a loop: the
 * cost of a thread's whole life (clone3, the stack's mmap and guard, TLS, exit, the CLONE_CHILD_CLEARTID
 * wake, and glibc's stack cache), co-kernel against Linux in one VM run (bench/vm/run-vm-bench).
 *
 * Usage: thread_create [COUNT [REPEATS]]   (defaults 2000 threads per timed loop, best of 5)
 * Output: "thread_create  RATE threads/s  US us/thread".
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void* nothing(void* arg) {
    return arg;
}

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(int argc, char** argv) {
    long count = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
    long repeats = argc > 2 ? strtol(argv[2], NULL, 10) : 5;
    if (count < 1 || repeats < 1) {
        fprintf(stderr, "usage: thread_create [COUNT [REPEATS]] (both positive)\n");
        return 2;
    }
    double best = 1e30;
    for (long r = 0; r <= repeats; r++) { /* the first loop warms glibc's stack cache and is not counted */
        int64_t t0 = now_ns();
        for (long i = 0; i < count; i++) {
            pthread_t t;
            void* ret;
            if (pthread_create(&t, NULL, nothing, (void*)(intptr_t)i) != 0 || pthread_join(t, &ret) != 0 ||
                ret != (void*)(intptr_t)i) {
                fprintf(stderr, "thread_create: pthread_create or pthread_join failed at thread %ld\n", i);
                return 1;
            }
        }
        double ns = (double)(now_ns() - t0) / (double)count;
        if (r > 0 && ns < best)
            best = ns;
    }
    printf("thread_create %12.0f threads/s %10.2f us/thread\n", 1e9 / best, best / 1000.0);
    return 0;
}

/* futex_pingpong: two threads hand a turn back and forth through one word with raw private futex calls
 * (FUTEX_WAIT_PRIVATE / FUTEX_WAKE_PRIVATE), never spinning: every hand-over is a wake and, nearly always, a
 * wait. On the co-kernel both calls are native; the figure is the cost of a cross-thread wake-up (IPI or
 * same-CPU switch) against Linux's in the same VM run (bench/vm/run-vm-bench).
 *
 * Usage: futex_pingpong [ROUNDS [REPEATS]]   (defaults 20000 round trips, best of 5)
 * Output: "futex_pingpong  RATE round trips/s  NS ns/round trip  (CPUs A and B)".
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int turn; /* 0: the main thread's, 1: the partner's, 2: stop */
static long rounds;
static int partner_cpu = -1;

static void futex_wait(int* word, int value) {
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
}

static void futex_wake(int* word) {
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Waits until the turn is no longer NOT. */
static int wait_while(int not ) {
    int v;
    while ((v = __atomic_load_n(&turn, __ATOMIC_ACQUIRE)) == not )
        futex_wait(&turn, not );
    return v;
}

static void pass(int to) {
    __atomic_store_n(&turn, to, __ATOMIC_RELEASE);
    futex_wake(&turn);
}

static void* partner(void* arg) {
    (void)arg;
    partner_cpu = sched_getcpu();
    for (;;) {
        if (wait_while(0) == 2)
            return NULL;
        pass(0);
    }
}

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(int argc, char** argv) {
    rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
    long repeats = argc > 2 ? strtol(argv[2], NULL, 10) : 5;
    if (rounds < 1 || repeats < 1) {
        fprintf(stderr, "usage: futex_pingpong [ROUNDS [REPEATS]] (both positive)\n");
        return 2;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, partner, NULL) != 0) {
        fprintf(stderr, "futex_pingpong: pthread_create failed\n");
        return 1;
    }
    double best = 1e30;
    for (long r = 0; r <= repeats; r++) { /* the first run warms up and is not counted */
        int64_t t0 = now_ns();
        for (long i = 0; i < rounds; i++) {
            pass(1);
            wait_while(1);
        }
        double ns = (double)(now_ns() - t0) / (double)rounds;
        if (r > 0 && ns < best)
            best = ns;
    }
    pass(2);
    pthread_join(t, NULL);
    printf("futex_pingpong %12.0f round trips/s %10.1f ns/round trip  (CPUs %d and %d)\n", 1e9 / best, best,
           sched_getcpu(), partner_cpu);
    return 0;
}

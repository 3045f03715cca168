/* POSIX threads, run on Linux and under `cokernel run` and compared byte for byte (test_threads.sh).
 *
 * `threads` runs, in order: a mutex-protected counter, a condition-variable producer/consumer, barrier
 * rounds, __thread variables, join return values, pthread_exit from a nested call, errno kept per thread, a
 * detached thread, and last the main thread's own pthread_exit: a thread started just before joins it, prints
 * the summary line, and the process ends with status 0 when that last thread returns. Each step prints one
 * line whose text depends on no timing; a wrong result prints "FAIL ..." on stderr and exits 1. Nothing here
 * spins: every wait blocks in a futex, so it also works on a kernel that never preempts a running thread.
 *
 * `threads cpus [N]` (default 3): N threads (the main thread and N-1 others) come together, each yielding
 * until all N are running at once (at most 10 s), then each reads sched_getcpu(); prints
 * "cpus: K distinct (C0 C1 ...) for N threads running at once" and exits 0. Not part of the comparison: the
 * test checks that line by itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NTHREADS 4

static void fail(const char* what) {
    fprintf(stderr, "FAIL threads: %s\n", what);
    fflush(stdout);
    exit(1);
}

static void must(int err, const char* what) {
    if (err != 0) {
        fprintf(stderr, "FAIL threads: %s: %s\n", what, strerror(err));
        fflush(stdout);
        exit(1);
    }
}

static pthread_t start(void* (*fn)(void*), void* arg) {
    pthread_t t;
    must(pthread_create(&t, NULL, fn, arg), "pthread_create");
    return t;
}

static void* join(pthread_t t) {
    void* ret;
    must(pthread_join(t, &ret), "pthread_join");
    return ret;
}

/* 1. A counter behind a mutex. */
#define INCREMENTS 200000
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void* count_up(void* arg) {
    (void)arg;
    for (int i = 0; i < INCREMENTS; i++) {
        pthread_mutex_lock(&counter_lock);
        long v = counter;
        __asm__ volatile("" ::: "memory"); /* a window for a lost update if the lock does not exclude */
        counter = v + 1;
        pthread_mutex_unlock(&counter_lock);
    }
    return NULL;
}

static void check_mutex(void) {
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        t[i] = start(count_up, NULL);
    for (int i = 0; i < NTHREADS; i++)
        join(t[i]);
    if (counter != (long)NTHREADS * INCREMENTS)
        fail("the mutex-protected counter lost updates");
    printf("mutex: %d threads x %d increments = %ld\n", NTHREADS, INCREMENTS, counter);
}

/* 2. A bounded queue between a producer and a consumer, with two condition variables. */
#define ITEMS 5000
#define SLOTS 4
static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER, not_empty = PTHREAD_COND_INITIALIZER;
static unsigned queue[SLOTS];
static int queue_head, queue_len, queue_full_waits;

static unsigned item(int i) {
    return (unsigned)i * 2654435761u; /* a fixed sequence that is not monotonic */
}

static void* produce(void* arg) {
    (void)arg;
    for (int i = 0; i < ITEMS; i++) {
        pthread_mutex_lock(&queue_lock);
        while (queue_len == SLOTS) {
            queue_full_waits++;
            pthread_cond_wait(&not_full, &queue_lock);
        }
        queue[(queue_head + queue_len) % SLOTS] = item(i);
        queue_len++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&queue_lock);
    }
    return NULL;
}

static void* consume(void* arg) {
    (void)arg;
    unsigned long sum = 0;
    for (int i = 0; i < ITEMS; i++) {
        pthread_mutex_lock(&queue_lock);
        while (queue_len == 0)
            pthread_cond_wait(&not_empty, &queue_lock);
        unsigned v = queue[queue_head];
        queue_head = (queue_head + 1) % SLOTS;
        queue_len--;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&queue_lock);
        if (v != item(i))
            fail("the consumer got the items out of order");
        sum += v;
    }
    return (void*)(uintptr_t)sum;
}

static void check_condvar(void) {
    pthread_t c = start(consume, NULL), p = start(produce, NULL);
    join(p);
    unsigned long sum = (unsigned long)(uintptr_t)join(c);
    unsigned long want = 0;
    for (int i = 0; i < ITEMS; i++)
        want += item(i);
    if (sum != want)
        fail("the consumer's sum differs");
    printf("condvar: %d items through a %d-slot queue, in order, sum %lu\n", ITEMS, SLOTS, sum);
}

/* 3. Barrier rounds: every thread fills its slot of a round; after the barrier every slot of the round is
 * filled, and exactly one thread per round got PTHREAD_BARRIER_SERIAL_THREAD. */
#define ROUNDS 20
static pthread_barrier_t barrier;
static int slots[ROUNDS][NTHREADS];
static int serial_count, incomplete_rounds;
static pthread_mutex_t round_lock = PTHREAD_MUTEX_INITIALIZER;

static void* barrier_rounds(void* arg) {
    int id = (int)(intptr_t)arg;
    for (int r = 0; r < ROUNDS; r++) {
        __atomic_store_n(&slots[r][id], r * 100 + id + 1, __ATOMIC_RELEASE);
        int ret = pthread_barrier_wait(&barrier);
        if (ret != 0 && ret != PTHREAD_BARRIER_SERIAL_THREAD)
            fail("pthread_barrier_wait");
        int missing = 0;
        for (int j = 0; j < NTHREADS; j++)
            missing += __atomic_load_n(&slots[r][j], __ATOMIC_ACQUIRE) != r * 100 + j + 1;
        pthread_mutex_lock(&round_lock);
        serial_count += ret == PTHREAD_BARRIER_SERIAL_THREAD;
        incomplete_rounds += missing != 0;
        pthread_mutex_unlock(&round_lock);
    }
    return NULL;
}

static void check_barrier(void) {
    pthread_t t[NTHREADS];
    must(pthread_barrier_init(&barrier, NULL, NTHREADS), "pthread_barrier_init");
    for (int i = 0; i < NTHREADS; i++)
        t[i] = start(barrier_rounds, (void*)(intptr_t)i);
    for (int i = 0; i < NTHREADS; i++)
        join(t[i]);
    pthread_barrier_destroy(&barrier);
    if (incomplete_rounds != 0)
        fail("a thread passed the barrier before every thread had reached it");
    if (serial_count != ROUNDS)
        fail("not exactly one PTHREAD_BARRIER_SERIAL_THREAD per round");
    printf("barrier: %d threads x %d rounds, every round complete, one serial thread per round\n", NTHREADS,
           ROUNDS);
}

/* 4. __thread variables: an initialized one (.tdata) and a zeroed one (.tbss), private to each thread. */
static __thread int tls_value = 7;
static __thread char tls_name[16];
static pthread_barrier_t tls_barrier;

static void* tls_thread(void* arg) {
    int id = (int)(intptr_t)arg;
    int fresh = tls_value == 7 && tls_name[0] == '\0';
    tls_value = 1000 + id;
    snprintf(tls_name, sizeof tls_name, "thread %d", id);
    pthread_barrier_wait(&tls_barrier); /* every thread has written its own copy */
    char want[16];
    snprintf(want, sizeof want, "thread %d", id);
    int kept = tls_value == 1000 + id && strcmp(tls_name, want) == 0;
    return (void*)(intptr_t)(fresh + 2 * kept);
}

static void check_tls(void) {
    pthread_t t[NTHREADS];
    tls_value = 1; /* the main thread's copy: the new threads must still start from 7 */
    must(pthread_barrier_init(&tls_barrier, NULL, NTHREADS), "pthread_barrier_init");
    for (int i = 0; i < NTHREADS; i++)
        t[i] = start(tls_thread, (void*)(intptr_t)i);
    for (int i = 0; i < NTHREADS; i++)
        if ((intptr_t)join(t[i]) != 3)
            fail("a thread's __thread variables were not its own");
    pthread_barrier_destroy(&tls_barrier);
    if (tls_value != 1 || tls_name[0] != '\0')
        fail("the main thread's __thread variables changed");
    printf("tls: every thread starts from the initial values and keeps its own, main's unchanged\n");
}

/* 5. Join return values, and pthread_exit from a nested call (the return value of the thread function is
 * never reached). */
static void* returns_square(void* arg) {
    intptr_t i = (intptr_t)arg;
    return (void*)(i * i + 1);
}

static void exit_from_depth(int depth, intptr_t value) {
    if (depth < 0)
        return; /* never: a base case that returns keeps -Winfinite-recursion quiet */
    if (depth == 0)
        pthread_exit((void*)value);
    exit_from_depth(depth - 1, value + 1);
}

static void* exits_early(void* arg) {
    exit_from_depth(5, (intptr_t)arg);
    fail("pthread_exit returned");
    return NULL;
}

static void check_join(void) {
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        t[i] = start(returns_square, (void*)(intptr_t)i);
    printf("join: returned");
    for (int i = 0; i < NTHREADS; i++)
        printf(" %ld", (long)(intptr_t)join(t[i]));
    printf("\n");
    pthread_t e = start(exits_early, (void*)(intptr_t)100);
    printf("pthread_exit: from 5 calls deep, joined value %ld\n", (long)(intptr_t)join(e));
}

/* 6. errno is per thread: each thread makes a different call fail, waits until every thread has, and finds
 * its own errno. */
static pthread_barrier_t errno_barrier;
static int errno_first[NTHREADS], errno_after[NTHREADS], errno_want[NTHREADS];

static void* errno_thread(void* arg) {
    int id = (int)(intptr_t)arg, want = 0;
    errno = 0;
    switch (id) {
    case 0:
        close(-1);
        want = EBADF;
        break;
    case 1:
        open("/nonexistent-threads-test/x", O_RDONLY);
        want = ENOENT;
        break;
    case 2: {
        struct timespec bad = {0, -1};
        nanosleep(&bad, NULL);
        want = EINVAL;
        break;
    }
    default:
        errno = 0; /* a thread whose errno stays 0 */
        break;
    }
    errno_first[id] = errno;
    errno_want[id] = want;
    pthread_barrier_wait(&errno_barrier); /* every thread has set its errno */
    errno_after[id] = errno;
    return NULL;
}

static void check_errno(void) {
    pthread_t t[NTHREADS];
    must(pthread_barrier_init(&errno_barrier, NULL, NTHREADS), "pthread_barrier_init");
    errno = ERANGE;
    for (int i = 0; i < NTHREADS; i++)
        t[i] = start(errno_thread, (void*)(intptr_t)i);
    static const char* const names[NTHREADS] = {"EBADF", "ENOENT", "EINVAL", "0"};
    for (int i = 0; i < NTHREADS; i++) {
        join(t[i]);
        if (errno_first[i] != errno_want[i] || errno_after[i] != errno_want[i]) {
            fprintf(stderr,
                    "FAIL threads: thread %d: errno %d after its failed call, %d after the barrier, expected "
                    "%d\n",
                    i, errno_first[i], errno_after[i], errno_want[i]);
            exit(1);
        }
    }
    pthread_barrier_destroy(&errno_barrier);
    if (errno != ERANGE)
        fail("the main thread's errno changed");
    printf("errno: per thread %s %s %s %s, main's ERANGE kept\n", names[0], names[1], names[2], names[3]);
}

/* 7. A detached thread: it waits for main's go, does its work, and posts; main goes on only after that. */
static sem_t detach_go, detach_done;
static int detach_log[3], detach_steps;

static void* detached(void* arg) {
    (void)arg;
    sem_wait(&detach_go);
    detach_log[detach_steps++] = 2;
    sem_post(&detach_done);
    return NULL; /* nobody joins: its resources go back by themselves */
}

static void check_detach(void) {
    must(sem_init(&detach_go, 0, 0) ? errno : 0, "sem_init");
    must(sem_init(&detach_done, 0, 0) ? errno : 0, "sem_init");
    pthread_t t = start(detached, NULL);
    must(pthread_detach(t), "pthread_detach");
    detach_log[detach_steps++] = 1;
    sem_post(&detach_go);
    sem_wait(&detach_done);
    detach_log[detach_steps++] = 3;
    if (detach_steps != 3 || detach_log[0] != 1 || detach_log[1] != 2 || detach_log[2] != 3)
        fail("the detached thread's steps are out of order");
    printf("detach: main, detached thread, main in that order\n");
}

/* 8. The main thread leaves with pthread_exit; the process lives on until its last thread returns. */
static pthread_t main_thread;

static void* last_thread(void* arg) {
    (void)arg;
    /* Joining the main thread is allowed and waits until it has exited. */
    must(pthread_join(main_thread, NULL), "pthread_join of the main thread");
    printf("main pthread_exit: the last thread ran on after it\n");
    printf("threads: all checks passed\n");
    fflush(stdout);
    return NULL; /* the last thread to end: exit status 0 */
}

/* --- threads cpus [N] --- */
#define MAX_CPU_THREADS 64
static int cpu_threads, cpu_seen[MAX_CPU_THREADS];
static int arrived;

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void* cpu_thread(void* arg) {
    int id = (int)(intptr_t)arg;
    __atomic_add_fetch(&arrived, 1, __ATOMIC_ACQ_REL);
    const double deadline = now_s() + 10;
    while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) < cpu_threads && now_s() < deadline)
        sched_yield(); /* a kernel that put two threads on one CPU and never preempts still gets here */
    /* Everyone is alive; stay busy a little so that Linux has balanced the threads over its CPUs. */
    const double busy = now_s() + 0.2;
    while (now_s() < busy)
        ;
    cpu_seen[id] = sched_getcpu();
    __atomic_add_fetch(&arrived, 1, __ATOMIC_ACQ_REL); /* second phase: nobody leaves before all sampled */
    while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) < 2 * cpu_threads && now_s() < deadline + 1)
        sched_yield();
    return NULL;
}

static int run_cpus(int n) {
    pthread_t t[MAX_CPU_THREADS];
    cpu_threads = n;
    for (int i = 1; i < n; i++)
        t[i] = start(cpu_thread, (void*)(intptr_t)i);
    cpu_thread((void*)(intptr_t)0);
    for (int i = 1; i < n; i++)
        join(t[i]);
    if (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) != 2 * n)
        fail("cpus: not all threads were running at once within 10 s");
    int distinct = 0, list[MAX_CPU_THREADS];
    for (int i = 0; i < n; i++) {
        if (cpu_seen[i] < 0)
            fail("cpus: sched_getcpu failed");
        int known = 0;
        for (int j = 0; j < distinct; j++)
            known |= list[j] == cpu_seen[i];
        if (!known)
            list[distinct++] = cpu_seen[i];
    }
    for (int i = 1; i < distinct; i++) /* insertion sort: a stable line to compare */
        for (int j = i; j > 0 && list[j - 1] > list[j]; j--) {
            int x = list[j];
            list[j] = list[j - 1];
            list[j - 1] = x;
        }
    printf("cpus: %d distinct (", distinct);
    for (int i = 0; i < distinct; i++)
        printf(i ? " %d" : "%d", list[i]);
    printf(") for %d threads running at once\n", n);
    return 0;
}

int main(int argc, char** argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 2 && strcmp(argv[1], "cpus") == 0) {
        int n = argc >= 3 ? atoi(argv[2]) : 3;
        if (n < 1 || n > MAX_CPU_THREADS) {
            fprintf(stderr, "threads: cpus N: N must be 1..%d\n", MAX_CPU_THREADS);
            return 2;
        }
        return run_cpus(n);
    }
    if (argc != 1) {
        fprintf(stderr, "usage: threads [cpus [N]]\n");
        return 2;
    }
    check_mutex();
    check_condvar();
    check_barrier();
    check_tls();
    check_join();
    check_errno();
    check_detach();
    main_thread = pthread_self();
    start(last_thread, NULL);
    pthread_exit(NULL);
}

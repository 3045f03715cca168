/* fwq: Fixed Work Quantum noise measurement (after LLNL's FWQ; written for this project). One thread per CPU
 * (THREADS, default get_nprocs()), started together at a barrier; each times QUANTA runs of the same fixed
 * loop with the TSC. On a quiet CPU every quantum takes the same time; timer ticks, daemons and interrupts
 * make some longer. The spread (max / min) and the mean excess over the minimum are the noise, co-kernel
 * against Linux in one VM run (bench/vm/run-vm-bench).
 *
 * Usage: fwq [QUANTA [WORK [THREADS]]]   (defaults 2000 quanta of 20000 loop steps, one thread per CPU)
 * Output: one line per thread, "thread I  cpu C  min N  max N  mean N cycles  max/min R", then
 * "fwq all  min N  max N cycles  max/min R  noise P%" (P: the mean excess over each thread's minimum,
 * relative to it, over all threads).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysinfo.h>
#include <x86intrin.h>

#define MAX_THREADS 256

static long quanta, work;
static pthread_barrier_t start;

struct result {
    uint64_t min, max;
    double mean;
    int cpu;
};
static struct result results[MAX_THREADS];

static void* worker(void* arg) {
    struct result* r = arg;
    uint64_t* t = malloc((size_t)quanta * sizeof *t);
    if (t == NULL) {
        fprintf(stderr, "fwq: out of memory\n");
        exit(1);
    }
    pthread_barrier_wait(&start);
    for (long q = 0; q < quanta; q++) {
        uint64_t t0 = __rdtsc();
        volatile uint64_t x = 1; /* volatile: the loop must run every step */
        for (long i = 0; i < work; i++)
            x = x * 6364136223846793005u + 1442695040888963407u;
        t[q] = __rdtsc() - t0;
    }
    r->cpu = sched_getcpu();
    r->min = UINT64_MAX;
    r->max = 0;
    double sum = 0;
    for (long q = 0; q < quanta; q++) {
        if (t[q] < r->min)
            r->min = t[q];
        if (t[q] > r->max)
            r->max = t[q];
        sum += (double)t[q];
    }
    r->mean = sum / (double)quanta;
    free(t);
    return NULL;
}

int main(int argc, char** argv) {
    quanta = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
    work = argc > 2 ? strtol(argv[2], NULL, 10) : 20000;
    long threads = argc > 3 ? strtol(argv[3], NULL, 10) : get_nprocs();
    if (quanta < 1 || work < 1 || threads < 1 || threads > MAX_THREADS) {
        fprintf(stderr, "usage: fwq [QUANTA [WORK [THREADS]]] (positive; THREADS at most %d)\n", MAX_THREADS);
        return 2;
    }
    pthread_barrier_init(&start, NULL, (unsigned)threads);
    pthread_t t[MAX_THREADS];
    for (long i = 1; i < threads; i++)
        if (pthread_create(&t[i], NULL, worker, &results[i]) != 0) {
            fprintf(stderr, "fwq: pthread_create failed\n");
            return 1;
        }
    worker(&results[0]);
    for (long i = 1; i < threads; i++)
        pthread_join(t[i], NULL);
    printf("fwq: %ld threads, %ld quanta of %ld steps each\n", threads, quanta, work);
    uint64_t min = UINT64_MAX, max = 0;
    double excess = 0;
    for (long i = 0; i < threads; i++) {
        const struct result* r = &results[i];
        printf("thread %ld  cpu %d  min %lu  max %lu  mean %.0f cycles  max/min %.2f\n", i, r->cpu,
               (unsigned long)r->min, (unsigned long)r->max, r->mean, (double)r->max / (double)r->min);
        if (r->min < min)
            min = r->min;
        if (r->max > max)
            max = r->max;
        excess += (r->mean - (double)r->min) / (double)r->min;
    }
    printf("fwq all  min %lu  max %lu cycles  max/min %.2f  noise %.3f%%\n", (unsigned long)min,
           (unsigned long)max, (double)max / (double)min, 100.0 * excess / (double)threads);
    return 0;
}

/* TLB shootdown (tests/qemu/test_tlb_shootdown.sh): a thread on another CPU keeps using a page while the main
 * thread takes it away. With a correct kernel the user's next access faults, SIGSEGV kills the whole process,
 * and the exit status is 128 + 11, on Linux as on the co-kernel.
 *
 *   shootdown munmap     the reader reads the page; main munmaps it
 *   shootdown mprotect   the reader reads the page; main mprotects it PROT_NONE
 *   shootdown readonly   the reader writes the page; main mprotects it PROT_READ
 *
 * A CPU that was not told (no invalidation IPI) keeps its TLB entry and goes on using the old mapping. Under
 * QEMU TCG that is modelled faithfully: each vCPU has its own software TLB, flushed only by invlpg, a CR3
 * write or the like, so a reader that touches the same page in a loop with no system call keeps its entry
 * for ever. The reader therefore does its last system call before main changes the mapping, then loops on
 * plain memory accesses only.
 *
 * Output (write(2), so it is all there when the process is killed): "cpus: main M, reader R" (the two must
 * differ, else exit 2: the test needs two CPUs), "shootdown VARIANT: the reader runs, taking the page away",
 * and, if the process is still alive 2 s after the change, a line saying what went wrong, exit 1.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

enum variant { TAKE_UNMAP, TAKE_PROT_NONE, TAKE_READ_ONLY };

static enum variant variant;
static volatile long* page;

/* The reader's state, on a page of its own (never the page taken away). */
static struct {
    volatile long count;
    volatile int cpu;
    volatile int phase; /* set by main: 1 = stop making system calls */
    volatile int in_plain_loop;
} __attribute__((aligned(4096))) shared;

static void say(const char* s) {
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(1, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static _Noreturn void quit(int status, const char* line) {
    say(line);
    exit(status);
}

static int main_cpu;
static cpu_set_t allowed; /* the process's CPUs, read before main pins itself (the reader inherits that) */
static int allowed_known;

/* Pins the calling thread to CPU, or to the first allowed CPU other than main's (CPU < 0). Linux spreads the
 * two threads by itself only when the machine is idle; a kernel without sched_setaffinity leaves placement to
 * its scheduler, and the check below says so if both share one CPU. */
static void pin(int cpu) {
    cpu_set_t set;
    if (cpu < 0) {
        if (!allowed_known)
            return;
        for (int c = 0; c < CPU_SETSIZE && cpu < 0; c++)
            if (CPU_ISSET(c, &allowed) && c != main_cpu)
                cpu = c;
        if (cpu < 0)
            return;
    }
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    (void)sched_setaffinity(0, sizeof set, &set);
}

static void* reader(void* arg) {
    (void)arg;
    pin(-1);
    while (!shared.phase) {
        if (page[0] != 42)
            quit(1, "FAIL shootdown: the reader does not see the value main wrote\n");
        shared.cpu = sched_getcpu();
        shared.count++;
        sched_yield(); /* lets main run if a kernel that never preempts put both on one CPU */
    }
    shared.in_plain_loop = 1;
    if (variant == TAKE_READ_ONLY)
        for (;;) {
            page[0] = shared.count;
            shared.count++;
        }
    for (;;) {
        (void)page[0];
        shared.count++;
    }
}

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&t, NULL);
}

/* Waits (sleeping, never spinning) until the reader's count passes TARGET; 10 s at most. */
static void wait_count(long target, const char* what) {
    for (int i = 0; shared.count <= target; i++) {
        if (i == 10000) {
            char line[160];
            snprintf(line, sizeof line, "FAIL shootdown: %s within 10 s\n", what);
            quit(1, line);
        }
        sleep_ms(1);
    }
}

int main(int argc, char** argv) {
    static const char* const names[] = {"munmap", "mprotect", "readonly"};
    if (argc != 2) {
        fprintf(stderr, "usage: shootdown munmap|mprotect|readonly\n");
        return 2;
    }
    if (strcmp(argv[1], "munmap") == 0)
        variant = TAKE_UNMAP;
    else if (strcmp(argv[1], "mprotect") == 0)
        variant = TAKE_PROT_NONE;
    else if (strcmp(argv[1], "readonly") == 0)
        variant = TAKE_READ_ONLY;
    else {
        fprintf(stderr, "usage: shootdown munmap|mprotect|readonly\n");
        return 2;
    }
    const size_t size = (size_t)sysconf(_SC_PAGESIZE);
    void* p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        quit(1, "FAIL shootdown: mmap\n");
    page = p;
    page[0] = 42;

    allowed_known = sched_getaffinity(0, sizeof allowed, &allowed) == 0;
    main_cpu = sched_getcpu();
    pin(main_cpu);
    pthread_t t;
    int err = pthread_create(&t, NULL, reader, NULL);
    if (err != 0) {
        char why[160];
        snprintf(why, sizeof why, "FAIL shootdown: pthread_create: %s\n", strerror(err));
        quit(1, why);
    }
    wait_count(1000, "the reader did not start");
    /* Linux may have started the reader on main's CPU; give it 2 s to spread them. */
    main_cpu = sched_getcpu();
    for (int i = 0; i < 200 && shared.cpu == main_cpu; i++) {
        sleep_ms(10);
        main_cpu = sched_getcpu();
    }
    char line[160];
    snprintf(line, sizeof line, "cpus: main %d, reader %d\n", main_cpu, shared.cpu);
    say(line);
    if (shared.cpu == main_cpu)
        quit(2, "FAIL shootdown: main and the reader share one CPU: the test needs them on two\n");

    shared.phase = 1;
    for (int i = 0; !shared.in_plain_loop; i++) {
        if (i == 10000)
            quit(1, "FAIL shootdown: the reader did not enter its loop within 10 s\n");
        sleep_ms(1);
    }
    wait_count(shared.count + 100000, "the reader's loop did not run");

    snprintf(line, sizeof line, "shootdown %s: the reader runs, taking the page away\n", names[variant]);
    say(line);
    int ret = variant == TAKE_UNMAP       ? munmap(p, size)
              : variant == TAKE_PROT_NONE ? mprotect(p, size, PROT_NONE)
                                          : mprotect(p, size, PROT_READ);
    if (ret != 0)
        quit(1, "FAIL shootdown: the munmap or mprotect call failed\n");
    const long before = shared.count;
    sleep_ms(2000);
    const long after = shared.count;
    static const char* const stale[] = {
        "reader still reads the unmapped page: no TLB shootdown\n",
        "reader still reads the PROT_NONE page: no TLB shootdown\n",
        "reader still writes the read-only page: no TLB shootdown\n",
    };
    if (after > before)
        quit(1, stale[variant]);
    quit(1, "reader stopped, but the process is alive 2 s later: its fault did not kill it with SIGSEGV\n");
}

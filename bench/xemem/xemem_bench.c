/* Attach + touch of a segment through libxemem against shm_open + mmap + touch of the same size, in the test
 * VM (bench/xemem/run, tests/qemu/test_xemem.sh). For each size an owner process (a forked child) maps and
 * writes the memory and exports it (xpmem_make) or creates it (shm_open + ftruncate + mmap); the measuring
 * process then times, per repetition, xpmem_get + xpmem_attach + one access per page (read or write), against
 * shm_open + mmap + one access per page. Detach/munmap are outside the timed part. The xemem owner runs
 * twice: with 4 KiB pages (MADV_NOHUGEPAGE) and with transparent huge pages (2 MiB aligned, MADV_HUGEPAGE),
 * which the attacher maps as 2 MiB PMDs. Prints the medians of the repetitions and the ratios xemem / shm
 * (below 1: xemem is faster). Results: docs/xemem.md. Usage: xemem_bench [REPS [MIB...]]   (default: 3
 * repetitions of 1, 64 and 1024 MiB) */
#define _GNU_SOURCE
#include <xpmem.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u
#define MAX_REPS 64
#define SHM_NAME "/xemem_bench"
#define HUGE (2u << 20)

enum owner_kind { OWNER_4K, OWNER_THP, OWNER_SHM };

static void die(const char* what) {
    fprintf(stderr, "xemem_bench: %s: %s\n", what, strerror(errno));
    exit(1);
}

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static uint64_t touch(volatile char* p, size_t size, int write) {
    uint64_t sum = 0;
    for (size_t off = 0; off < size; off += PAGE) {
        if (write)
            p[off] = (char)off;
        else
            sum += (unsigned char)p[off];
    }
    return sum;
}

static int compare(const void* a, const void* b) {
    double x = *(const double*)a, y = *(const double*)b;
    return (x > y) - (x < y);
}

static double median(double* values, int n) {
    qsort(values, (size_t)n, sizeof(double), compare);
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* The owner: writes the memory, exports it, sends the id, and waits to be killed. */
static pid_t start_owner(size_t size, enum owner_kind kind, int64_t* segid) {
    int up[2];
    if (pipe(up) != 0)
        die("pipe");
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        close(up[0]);
        int64_t id = 0;
        char* p;
        if (kind == OWNER_SHM) {
            int fd = shm_open(SHM_NAME, O_RDWR | O_CREAT | O_EXCL, 0600);
            if (fd < 0 || ftruncate(fd, (off_t)size) != 0)
                die("shm_open");
            p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            close(fd);
        } else {
            /* 2 MiB aligned, so that huge pages can back all of it */
            p = mmap(NULL, size + HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p != MAP_FAILED) {
                p = (char*)(((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
                madvise(p, size, kind == OWNER_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
            }
        }
        if (p == MAP_FAILED)
            die("mmap");
        memset(p, 1, size);
        if (kind != OWNER_SHM && (id = xpmem_make(p, size, XPMEM_PERMIT_MODE, (void*)0600)) < 0)
            die("xpmem_make");
        if (write(up[1], &id, sizeof(id)) != sizeof(id))
            die("write");
        for (;;)
            pause();
    }
    close(up[1]);
    if (read(up[0], segid, sizeof(*segid)) != sizeof(*segid)) {
        errno = EPIPE;
        die("owner");
    }
    close(up[0]);
    return pid;
}

/* Its exit removes the segment (or unmaps the shm object). */
static void stop_owner(pid_t pid) {
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

static double time_xemem(int64_t segid, size_t size, int write) {
    double start = now_us();
    xpmem_apid_t apid = xpmem_get(segid, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL);
    struct xpmem_addr addr = {.apid = apid, .offset = 0};
    void* p = apid < 0 ? (void*)-1 : xpmem_attach(addr, size, NULL);
    if (p == (void*)-1)
        die("xpmem_get/xpmem_attach");
    touch(p, size, write);
    double elapsed = now_us() - start;
    if (xpmem_detach(p) != 0 || xpmem_release(apid) != 0)
        die("xpmem_detach/xpmem_release");
    return elapsed;
}

static double time_shm(size_t size, int write) {
    double start = now_us();
    int fd = shm_open(SHM_NAME, O_RDWR, 0);
    void* p = fd < 0 ? MAP_FAILED : mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        die("shm_open/mmap");
    touch(p, size, write);
    double elapsed = now_us() - start;
    munmap(p, size);
    close(fd);
    return elapsed;
}

int main(int argc, char** argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 3;
    if (reps < 1 || reps > MAX_REPS) {
        fprintf(stderr, "usage: xemem_bench [REPS (1..%d) [MIB...]]\n", MAX_REPS);
        return 2;
    }
    static const char* default_sizes[] = {"1", "64", "1024"};
    const char** sizes = argc > 2 ? (const char**)argv + 2 : default_sizes;
    int nsizes = argc > 2 ? argc - 2 : 3;
    printf("# xemem_bench: %d repetitions, median; xemem = get + attach + touch, shm = shm_open + mmap + "
           "touch\n",
           reps);
    printf("%-9s %-6s %12s %12s %12s %8s %8s\n", "size", "touch", "xemem_us", "xemem_thp_us", "shm_us",
           "ratio", "thp_ratio");
    shm_unlink(SHM_NAME);
    for (int s = 0; s < nsizes; ++s) {
        size_t size = (size_t)strtoull(sizes[s], NULL, 0) << 20;
        double xemem[2][MAX_REPS], thp[2][MAX_REPS], shm[2][MAX_REPS];
        int64_t segid = 0, unused = 0;
        pid_t owner = start_owner(size, OWNER_4K, &segid);
        for (int r = 0; r < reps; ++r)
            for (int w = 0; w < 2; ++w)
                xemem[w][r] = time_xemem(segid, size, w);
        stop_owner(owner);
        owner = start_owner(size, OWNER_THP, &segid);
        for (int r = 0; r < reps; ++r)
            for (int w = 0; w < 2; ++w)
                thp[w][r] = time_xemem(segid, size, w);
        stop_owner(owner);
        owner = start_owner(size, OWNER_SHM, &unused);
        for (int r = 0; r < reps; ++r)
            for (int w = 0; w < 2; ++w)
                shm[w][r] = time_shm(size, w);
        stop_owner(owner);
        shm_unlink(SHM_NAME);
        if (getenv("XEMEM_BENCH_RAW") != NULL) /* every repetition, before the medians sort them */
            for (int w = 0; w < 2; ++w)
                for (int r = 0; r < reps; ++r)
                    printf("# raw %s MiB %s rep %d: xemem %.0f thp %.0f shm %.0f\n", sizes[s],
                           w ? "write" : "read", r, xemem[w][r], thp[w][r], shm[w][r]);
        for (int w = 0; w < 2; ++w) {
            double x = median(xemem[w], reps), h = median(thp[w], reps), y = median(shm[w], reps);
            printf("%4s MiB  %-6s %12.0f %12.0f %12.0f %8.2f %8.2f\n", sizes[s], w ? "write" : "read", x, h,
                   y, x / y, h / y);
        }
        fflush(stdout);
    }
    return 0;
}

// A job's memory as an HPC program uses it (tests/qemu/test_job_memory.sh runs it on Linux and under
// `cokernel run`; where both can, the outputs must be the same, so it prints results, never addresses).
//   bigalloc calls    mmap/munmap/mremap/madvise/brk the ways glibc and programs use them, one line each
//   bigalloc huge N   malloc N MiB, touch and verify all of it, free it, malloc half again, then grow brk
//   bigalloc most     the largest single mmap that succeeds, in MiB (not the same on Linux: not compared)
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MIB (1ul << 20)
#define PAGE 4096ul

static int failures;

static void report(const char* what, int good) {
    printf("%s %s\n", good ? "ok  " : "FAIL", what);
    failures += !good;
}

static const char* errname(int e) {
    switch (e) {
    case 0:
        return "no error";
    case ENOMEM:
        return "ENOMEM";
    case EEXIST:
        return "EEXIST";
    case EINVAL:
        return "EINVAL";
    case EFAULT:
        return "EFAULT";
    default:
        return "another error";
    }
}

// Every byte of [p, p + len) is b (a word at a time where aligned: the VM is QEMU TCG).
static int all(const unsigned char* p, size_t len, unsigned char b) {
    const uint64_t word = 0x0101010101010101ull * b;
    size_t i = 0;
    for (; i < len && (uintptr_t)(p + i) % 8 != 0; ++i) {
        if (p[i] != b) {
            return 0;
        }
    }
    for (; i + 8 <= len; i += 8) {
        if (*(const uint64_t*)(p + i) != word) {
            return 0;
        }
    }
    for (; i < len; ++i) {
        if (p[i] != b) {
            return 0;
        }
    }
    return 1;
}

static void* anon(void* addr, size_t len, int flags) {
    return mmap(addr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
}

// The error of a call expected to fail, as a name ("no error" when it did not fail).
static const char* failed_with(void* p) {
    return errname(p == MAP_FAILED ? errno : 0);
}

static void calls(void) {
    char line[160];
    // The first report: in a 256 MiB enclave these failed.
    unsigned char* small = malloc(MIB);
    report("malloc 1 MiB", small != NULL && (memset(small, 1, MIB), all(small, MIB, 1)));
    unsigned char* big = malloc(100 * MIB);
    report("malloc 100 MiB (above the mmap threshold)", big != NULL);
    void* brk0 = sbrk(0);
    unsigned char* heap = sbrk(8 * MIB);
    report("sbrk 8 MiB after a large malloc",
           heap != (void*)-1 && (memset(heap, 2, 8 * MIB), all(heap, 8 * MIB, 2)));
    report("sbrk back", sbrk(-(intptr_t)(8 * MIB)) != (void*)-1 && sbrk(0) == brk0);
    free(big);
    unsigned char* m = anon(NULL, 64 * MIB, 0);
    report("mmap 64 MiB",
           m != MAP_FAILED && all(m, 64 * MIB, 0) && (memset(m, 3, 64 * MIB), all(m, 64 * MIB, 3)));

    // MAP_FIXED_NOREPLACE over a mapping: EEXIST, and the mapping keeps its bytes.
    void* r = anon(m + MIB, PAGE, MAP_FIXED_NOREPLACE);
    snprintf(line, sizeof line, "MAP_FIXED_NOREPLACE over a mapping: %s", failed_with(r));
    report(line, r == MAP_FAILED && errno == EEXIST && all(m, 64 * MIB, 3));
    // MAP_FIXED over it: that part is new and zero, the rest unchanged.
    r = anon(m + MIB, 2 * MIB, MAP_FIXED);
    report("MAP_FIXED over a mapping: new pages zero, the rest kept",
           r == m + MIB && all(m, MIB, 3) && all(m + MIB, 2 * MIB, 0) && all(m + 3 * MIB, 61 * MIB, 3));
    // MADV_DONTNEED: zero on the next touch, the rest kept.
    memset(m + MIB, 4, 2 * MIB);
    int rc = madvise(m + 10 * MIB, 5 * MIB + PAGE, MADV_DONTNEED);
    report("madvise MADV_DONTNEED: the range reads as zero, the rest is kept",
           rc == 0 && all(m + 10 * MIB, 5 * MIB + PAGE, 0) && all(m + 3 * MIB, 7 * MIB, 3) &&
               all(m + 15 * MIB + PAGE, 49 * MIB - PAGE, 3));
    report("... and the pages are usable again", (memset(m + 10 * MIB, 5, MIB), all(m + 10 * MIB, MIB, 5)));
    // munmap of a part, then MAP_FIXED_NOREPLACE there works.
    rc = munmap(m + 32 * MIB, 4 * MIB);
    r = anon(m + 32 * MIB, 4 * MIB, MAP_FIXED_NOREPLACE);
    report("munmap a part, then MAP_FIXED_NOREPLACE there",
           rc == 0 && r == m + 32 * MIB && all(r, 4 * MIB, 0));

    // mremap: grow (may move), shrink, move to a fixed place; the contents follow.
    unsigned char* a = anon(NULL, 3 * MIB, 0);
    for (size_t i = 0; i < 3 * MIB; ++i) {
        a[i] = (unsigned char)(i * 7 + 1);
    }
    unsigned char* g = mremap(a, 3 * MIB, 12 * MIB, MREMAP_MAYMOVE);
    int kept = g != MAP_FAILED;
    for (size_t i = 0; kept && i < 3 * MIB; ++i) {
        kept = g[i] == (unsigned char)(i * 7 + 1);
    }
    report("mremap grow 3 -> 12 MiB keeps the contents, the growth is zero",
           kept && all(g + 3 * MIB, 9 * MIB, 0));
    memset(g + 3 * MIB, 6, 9 * MIB);
    unsigned char* s = mremap(g, 12 * MIB, 2 * MIB + PAGE, 0);
    report("mremap shrink 12 MiB -> 2 MiB + 4 KiB in place",
           s == g && g[0] == 1 && g[2 * MIB] == (unsigned char)(2 * MIB * 7 + 1));
    void* gone = anon(g + 4 * MIB, PAGE, MAP_FIXED_NOREPLACE);
    report("... the tail is unmapped", gone == g + 4 * MIB);
    munmap(gone, PAGE);
    unsigned char* target = anon(NULL, 8 * MIB, 0);
    unsigned char* mv =
        mremap(s, 2 * MIB + PAGE, 2 * MIB + PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, target + MIB);
    report("mremap MREMAP_FIXED moves it, with its contents",
           mv == target + MIB && mv[0] == 1 && mv[2 * MIB] == (unsigned char)(2 * MIB * 7 + 1) &&
               all(target, MIB, 0));
    gone = anon(s, PAGE, MAP_FIXED_NOREPLACE);
    report("... the old place is unmapped", gone == (void*)s);
    munmap(gone, PAGE);
    munmap(m + 20 * MIB, 8 * MIB);
    r = mremap(m + 20 * MIB, MIB, 2 * MIB, MREMAP_MAYMOVE);
    snprintf(line, sizeof line, "mremap of an unmapped range: %s", failed_with(r));
    report(line, r == MAP_FAILED && errno == EFAULT);

    // Flags glibc and programs pass.
    unsigned char* nr = anon(NULL, 16 * MIB, MAP_NORESERVE);
    report("MAP_NORESERVE 16 MiB", nr != MAP_FAILED && (memset(nr, 7, 16 * MIB), all(nr, 16 * MIB, 7)));
    unsigned char* st = mmap(NULL, 8 * MIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    rc = st == MAP_FAILED ? -1 : mprotect(st + PAGE, 8 * MIB - PAGE, PROT_READ | PROT_WRITE);
    report("a thread stack as glibc makes it (MAP_STACK, PROT_NONE, mprotect all but a guard page)",
           rc == 0 && (memset(st + PAGE, 8, 8 * MIB - PAGE), all(st + PAGE, 8 * MIB - PAGE, 8)));
    report("... MADV_DONTNEED on it at thread exit",
           madvise(st, 8 * MIB, MADV_DONTNEED) == 0 && all(st + PAGE, 8 * MIB - PAGE, 0));
    unsigned char* gd = anon(NULL, MIB, MAP_GROWSDOWN);
    report("MAP_GROWSDOWN 1 MiB", gd != MAP_FAILED && (memset(gd, 9, MIB), all(gd, MIB, 9)));

    // Too much: ENOMEM, and nothing else changes.
    errno = 0;
    void* huge = malloc(1ul << 40);
    snprintf(line, sizeof line, "malloc 1 TiB: %s", huge == NULL ? errname(errno) : "no error");
    report(line, huge == NULL && errno == ENOMEM);
    r = anon(NULL, 1ul << 40, 0);
    snprintf(line, sizeof line, "mmap 1 TiB: %s", failed_with(r));
    report(line, r == MAP_FAILED && errno == ENOMEM);
    void* b0 = sbrk(0);
    errno = 0;
    void* b1 = sbrk((intptr_t)(1ul << 40));
    snprintf(line, sizeof line, "sbrk 1 TiB: %s", b1 == (void*)-1 ? errname(errno) : "no error");
    report(line, b1 == (void*)-1 && errno == ENOMEM && sbrk(0) == b0);
    report("... the mappings kept their bytes",
           all(m, MIB, 3) && all(m + 3 * MIB, 7 * MIB, 3) && all(nr, 16 * MIB, 7) && all(gd, MIB, 9));
    unsigned char* after = malloc(4 * MIB);
    report("... and malloc works again",
           after != NULL && (memset(after, 10, 4 * MIB), all(after, 4 * MIB, 10)));
}

// Touches every page of n MiB, with a different word on each, and checks them.
static int touch_verify(unsigned char* p, size_t n) {
    const size_t len = n * MIB;
    memset(p, 0x5a, len);
    for (size_t off = 0; off < len; off += PAGE) {
        *(uint64_t*)(p + off) = off ^ 0x636f6b65726e656cull;
    }
    for (size_t off = 0; off < len; off += PAGE) {
        if (*(uint64_t*)(p + off) != (off ^ 0x636f6b65726e656cull) || p[off + PAGE - 1] != 0x5a) {
            return 0;
        }
    }
    return 1;
}

static void huge(size_t n) {
    char line[160];
    unsigned char* p = malloc(n * MIB);
    snprintf(line, sizeof line, "malloc %zu MiB, touch and verify every page", n);
    report(line, p != NULL && touch_verify(p, n));
    free(p);
    p = malloc(n / 2 * MIB);
    snprintf(line, sizeof line, "free it, malloc %zu MiB again: zero, then touch and verify", n / 2);
    report(line, p != NULL && all(p, n / 2 * MIB, 0) && touch_verify(p, n / 2));
    unsigned char* h = sbrk(16 * MIB);
    report("then sbrk 16 MiB", h != (void*)-1 && all(h, 16 * MIB, 0) && touch_verify(h, 16));
    free(p);
}

static void most(void) {
    size_t lo = 0, hi = 1ul << 20; // MiB: lo fits, hi does not
    while (hi - lo > 1) {
        const size_t mid = lo + (hi - lo) / 2;
        void* p = mmap(NULL, mid * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            hi = mid;
        } else {
            munmap(p, mid * MIB);
            lo = mid;
        }
    }
    printf("largest mmap: %zu MiB\n", lo);
}

int main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "calls") == 0) {
        calls();
    } else if (argc == 3 && strcmp(argv[1], "huge") == 0) {
        huge(strtoul(argv[2], NULL, 10));
    } else if (argc == 2 && strcmp(argv[1], "most") == 0) {
        most();
    } else {
        fprintf(stderr, "usage: bigalloc calls | huge MIB | most\n");
        return 2;
    }
    printf("bigalloc: %d failure(s)\n", failures);
    return failures == 0 ? 0 : 1;
}

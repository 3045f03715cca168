/* Memory protections, run on Linux and under `cokernel run` and compared (tests/qemu/test_run_prot.sh):
 * `protcheck ok` runs the checks that must not fault and exits 0; every other mode prints what it is about
 * to do, then touches memory it may not (a write to read-only memory, a read of PROT_NONE, a jump into
 * non-executable memory...) and must die of SIGSEGV before it prints "survived". Output goes straight to
 * write(2), so what was printed before the fault is there on both systems. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const int rodata_words[4] = {42, 43, 44, 45};
const int* volatile rodata_ptr = rodata_words; /* keeps the compiler from folding the reads */
static int failures;

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

static void check(int cond, const char* what) {
    say(cond ? "ok   " : "FAIL ");
    say(what);
    say("\n");
    failures += !cond;
}

static void expect_errno(long ret, int err, const char* what) {
    check(ret == -1 && errno == err, what);
}

static long page;

static unsigned char* map(size_t pages, int prot) {
    void* p = mmap(NULL, (size_t)page * pages, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        say("FAIL mmap\n");
        _exit(2);
    }
    return p;
}

/* A function made of one `ret`, copied to p. */
static void (*plant_ret(volatile unsigned char* p))(void) {
    p[0] = 0xc3;
    return (void (*)(void))(uintptr_t)p;
}

static int run_ok(void) {
    unsigned char* p = map(4, PROT_READ | PROT_WRITE);
    p[0] = 1;
    check(mprotect(p, (size_t)page, PROT_READ) == 0, "mprotect a page read-only");
    check(((volatile unsigned char*)p)[0] == 1, "read the read-only page");
    p[page] = 2;
    check(p[page] == 2, "write the next page, still read/write");
    check(mprotect(p, (size_t)page, PROT_READ | PROT_WRITE) == 0, "mprotect back to read/write");
    p[0] = 3;
    check(p[0] == 3, "write after mprotect back to read/write");
    check(mprotect(p, 0, PROT_NONE) == 0, "mprotect of length 0");
    expect_errno(mprotect(p + 1, (size_t)page, PROT_READ), EINVAL, "mprotect unaligned: EINVAL");
    expect_errno(mprotect(p, (size_t)page, 0x10), EINVAL, "mprotect unknown bits: EINVAL");
    expect_errno(mprotect((void*)0x10000, (size_t)page, PROT_READ), ENOMEM, "mprotect unmapped: ENOMEM");

    unsigned char* none = map(2, PROT_NONE);
    check(mprotect(none, (size_t)page * 2, PROT_READ | PROT_WRITE) == 0, "mprotect PROT_NONE to read/write");
    none[page + 5] = 7;
    check(none[page + 5] == 7 && none[0] == 0, "PROT_NONE made read/write: zeroed and writable");

    unsigned char* ro = map(1, PROT_READ);
    check(((volatile unsigned char*)ro)[100] == 0, "a PROT_READ mapping reads zeros");

    unsigned char* x = map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    plant_ret(x)();
    check(1, "call code in a PROT_EXEC mapping");
    unsigned char* y = map(1, PROT_READ | PROT_WRITE);
    void (*f)(void) = plant_ret(y);
    check(mprotect(y, (size_t)page, PROT_READ | PROT_EXEC) == 0, "mprotect code read/execute");
    f();
    check(1, "call code made executable by mprotect");

    /* Whole 2 MiB pages and boundaries inside them. */
    const size_t big = 6u << 20;
    unsigned char* b = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(b != MAP_FAILED, "mmap 6 MiB");
    unsigned char* a2 = (unsigned char*)(((uintptr_t)b + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1));
    check(mprotect(a2, 2u << 20, PROT_READ) == 0, "mprotect an aligned 2 MiB read-only");
    check(mprotect(a2 + page * 3, (size_t)page, PROT_NONE) == 0, "mprotect one page inside it PROT_NONE");
    check(mprotect(a2, 2u << 20, PROT_READ | PROT_WRITE) == 0, "mprotect the 2 MiB back to read/write");
    for (size_t off = 0; off < big; off += (size_t)page)
        b[off] = 1;
    check(1, "write every page of the 6 MiB");
    check(munmap(b, big) == 0, "munmap the 6 MiB");
    unsigned char* c = map(3, PROT_READ | PROT_WRITE);
    c[page * 2] = 9;
    check(c[page * 2] == 9, "mmap after munmap is writable");

    /* A guard page below a buffer. */
    unsigned char* g = map(3, PROT_READ | PROT_WRITE);
    check(mprotect(g, (size_t)page, PROT_NONE) == 0, "guard page below a buffer");
    g[page] = 5;
    check(g[page] == 5, "the buffer above the guard is writable");

    check(rodata_ptr[0] == 42, "read rodata");
    printf("protcheck: %s\n", failures == 0 ? "all checks passed" : "some checks FAILED");
    return failures == 0 ? 0 : 1;
}

_Noreturn static void survived(void) {
    say("survived\n");
    _exit(0);
}

int main(int argc, char** argv) {
    page = sysconf(_SC_PAGESIZE);
    const char* mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "ok") == 0)
        return run_ok();
    if (strcmp(mode, "ro-write") == 0) {
        unsigned char* p = map(2, PROT_READ | PROT_WRITE);
        p[0] = 1;
        mprotect(p, (size_t)page, PROT_READ);
        say("write to a page made PROT_READ\n");
        ((volatile unsigned char*)p)[10] = 2;
    } else if (strcmp(mode, "map-ro-write") == 0) {
        unsigned char* p = map(1, PROT_READ);
        say("write to a PROT_READ mapping\n");
        ((volatile unsigned char*)p)[0] = 2;
    } else if (strcmp(mode, "none-read") == 0) {
        unsigned char* p = map(1, PROT_NONE);
        say("read a PROT_NONE mapping\n");
        (void)((volatile unsigned char*)p)[0];
    } else if (strcmp(mode, "big-ro-write") == 0) {
        unsigned char* b = mmap(NULL, 6u << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        unsigned char* a2 = (unsigned char*)(((uintptr_t)b + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1));
        mprotect(a2, 2u << 20, PROT_READ);
        say("write to an aligned 2 MiB made PROT_READ\n");
        ((volatile unsigned char*)a2)[(1u << 20) + 17] = 1;
    } else if (strcmp(mode, "guard") == 0) {
        unsigned char* g = map(3, PROT_READ | PROT_WRITE);
        mprotect(g, (size_t)page, PROT_NONE);
        volatile unsigned char* buf = g + page;
        buf[0] = 1;
        say("write one byte below a buffer, into its guard page\n");
        buf[-1] = 1;
    } else if (strcmp(mode, "munmap-read") == 0) {
        unsigned char* p = map(2, PROT_READ | PROT_WRITE);
        p[0] = 1;
        munmap(p, (size_t)page * 2);
        say("read an unmapped page\n");
        (void)((volatile unsigned char*)p)[0];
    } else if (strcmp(mode, "exec-nx") == 0) {
        unsigned char* p = map(1, PROT_READ | PROT_WRITE);
        void (*f)(void) = plant_ret(p);
        say("call code in a mapping without PROT_EXEC\n");
        f();
    } else if (strcmp(mode, "exec-stack") == 0) {
        volatile unsigned char code[16];
        void (*f)(void) = plant_ret(code);
        say("call code on the stack\n");
        f();
    } else if (strcmp(mode, "exec-data") == 0) {
        static volatile unsigned char code[16];
        void (*f)(void) = plant_ret(code);
        say("call code in the data segment\n");
        f();
    } else if (strcmp(mode, "rodata-write") == 0) {
        say("write to rodata\n");
        *(volatile int*)(uintptr_t)rodata_ptr = 1;
    } else if (strcmp(mode, "text-write") == 0) {
        say("write to the program's text\n");
        *(volatile unsigned char*)(uintptr_t)&main = 0xc3;
    } else {
        say("usage: protcheck ok|ro-write|map-ro-write|none-read|big-ro-write|guard|munmap-read|exec-nx|"
            "exec-stack|exec-data|rodata-write|text-write\n");
        return 2;
    }
    survived();
}

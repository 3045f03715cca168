/* syscheck: a static x86-64 program that exercises the system calls an HPC job makes (files, directories,
 * stat, lseek, time, mmap, brk, identity, argv/envp, exit status) and prints what it saw. Its stdout is
 * deterministic (no pids, times, inode numbers or file-system-specific sizes: only values and relations that
 * every correct kernel gives), so the output of a run on Linux and of a run on the co-kernel (`cokernel run`)
 * must be identical.
 *
 * Usage: syscheck DIR [EXIT_STATUS [ARGS...]]
 *   Works in DIR/syscheck.work (created and removed again), echoes ARGS and the environment variables whose
 *   names begin with SYSCHECK_, and exits with EXIT_STATUS (default 0) when every check passed, 1 when one
 *   failed, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

static int checks;
static int failures;

/* check(COND, NAME...): one line "ok   NAME" or "FAIL NAME (errno NAME)". */
static void check(int cond, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(int cond, const char* fmt, ...) {
    int saved = errno;
    va_list ap;
    checks++;
    fputs(cond ? "ok   " : "FAIL ", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    if (!cond) {
        failures++;
        printf(" (errno %s)", saved ? strerrorname_np(saved) : "0");
    }
    putchar('\n');
}

/* expect_errno(RET, WANT, NAME): RET must be -1 with errno WANT. */
static void expect_errno(long ret, int want, const char* name) {
    int got = errno;
    checks++;
    if (ret == -1 && got == want) {
        printf("ok   %s fails with %s\n", name, strerrorname_np(want));
    } else {
        failures++;
        printf("FAIL %s: returned %ld errno %s, expected -1 %s\n", name, ret,
               ret == -1 ? strerrorname_np(got) : "-", strerrorname_np(want));
    }
}

static void section(const char* name) {
    printf("== %s\n", name);
}

static int write_all(int fd, const void* buf, size_t len) {
    return write(fd, buf, len) == (ssize_t)len;
}

static void print_stat(const char* what, const struct stat* st) {
    /* Type and permission bits and size only: no inode, device, link count of directories, blocks or times.
     */
    printf("     %s: mode %06o size %lld\n", what, (unsigned)st->st_mode, (long long)st->st_size);
}

static void test_files(void) {
    char buf[64];
    section("files");
    int fd = open("f1", O_CREAT | O_EXCL | O_WRONLY, 0644);
    check(fd >= 0, "create f1 (O_CREAT|O_EXCL)");
    check(write_all(fd, "hello, ", 7), "write 7 bytes");
    check(write_all(fd, "world\n", 6), "write 6 bytes");
    check(close(fd) == 0, "close");

    expect_errno(open("f1", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST, "create f1 again with O_EXCL");
    expect_errno(open("missing", O_RDONLY), ENOENT, "open missing file");
    expect_errno(close(12345), EBADF, "close bad fd");

    fd = open("f1", O_RDONLY);
    check(fd >= 0, "open f1 read-only");
    memset(buf, 0, sizeof buf);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    check(n == 13, "read returns 13 bytes");
    printf("     content: %s", buf);
    check(read(fd, buf, sizeof buf) == 0, "read at end returns 0");
    expect_errno(write(fd, "x", 1), EBADF, "write to read-only fd");
    close(fd);

    fd = open("f1", O_WRONLY | O_APPEND);
    check(fd >= 0, "open f1 O_APPEND");
    check(lseek(fd, 0, SEEK_SET) == 0, "lseek to 0 before append");
    check(write_all(fd, "again\n", 6), "append 6 bytes");
    check(lseek(fd, 0, SEEK_CUR) == 19, "offset after append is 19");
    close(fd);

    fd = open("f1", O_RDONLY);
    memset(buf, 0, sizeof buf);
    n = read(fd, buf, sizeof buf - 1);
    check(n == 19, "read after append returns 19 bytes");
    printf("     content: %s", buf);
    memset(buf, 0, sizeof buf);
    n = pread(fd, buf, 5, 7);
    check(n == 5 && memcmp(buf, "world", 5) == 0, "pread 5 bytes at 7: %s", buf);
    close(fd);

    fd = open("f1", O_RDWR | O_TRUNC);
    check(fd >= 0, "open f1 O_TRUNC");
    struct stat st;
    check(fstat(fd, &st) == 0 && st.st_size == 0, "size after O_TRUNC is 0");
    check(pwrite(fd, "abc", 3, 0) == 3, "pwrite 3 bytes");
    check(ftruncate(fd, 10) == 0, "ftruncate to 10");
    check(fstat(fd, &st) == 0 && st.st_size == 10, "size after ftruncate is 10");
    close(fd);

    check(rename("f1", "f2") == 0, "rename f1 f2");
    expect_errno(access("f1", F_OK), ENOENT, "access f1 after rename");
    check(access("f2", R_OK | W_OK) == 0, "access f2 R_OK|W_OK");
    check(unlink("f2") == 0, "unlink f2");
    expect_errno(unlink("f2"), ENOENT, "unlink f2 again");

    int fds[2];
    check(pipe(fds) == 0, "pipe");
    check(write_all(fds[1], "ping", 4), "write to pipe");
    memset(buf, 0, sizeof buf);
    n = read(fds[0], buf, sizeof buf);
    check(n == 4 && strcmp(buf, "ping") == 0, "read from pipe: %s", buf);
    int d = dup(fds[0]);
    check(d >= 0, "dup");
    close(d);
    close(fds[0]);
    close(fds[1]);
}

static int cmp_str(const void* a, const void* b) {
    return strcmp(*(char* const*)a, *(char* const*)b);
}

static void list_dir(const char* path) {
    DIR* dir = opendir(path);
    check(dir != NULL, "opendir %s", path);
    if (!dir)
        return;
    char* names[64];
    int count = 0;
    struct dirent* e;
    while ((e = readdir(dir)) != NULL && count < 64)
        names[count++] = strdup(e->d_name);
    closedir(dir);
    /* getdents64 returns entries in a file-system-specific order: sort them. */
    qsort(names, (size_t)count, sizeof names[0], cmp_str);
    printf("     %s has %d entries:", path, count);
    for (int i = 0; i < count; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    putchar('\n');
}

static void test_dirs(void) {
    section("directories");
    check(mkdir("d", 0755) == 0, "mkdir d");
    expect_errno(mkdir("d", 0755), EEXIST, "mkdir d again");
    expect_errno(mkdir("nope/sub", 0755), ENOENT, "mkdir nope/sub");
    check(mkdir("d/sub", 0700) == 0, "mkdir d/sub");
    const char* files[] = {"d/zeta", "d/alpha", "d/mid"};
    for (unsigned i = 0; i < sizeof files / sizeof files[0]; i++) {
        int fd = open(files[i], O_CREAT | O_WRONLY, 0600);
        check(fd >= 0, "create %s", files[i]);
        close(fd);
    }
    list_dir("d");
    list_dir("d/sub");
    expect_errno(rmdir("d"), ENOTEMPTY, "rmdir non-empty d");
    expect_errno(rmdir("d/missing"), ENOENT, "rmdir d/missing");
    expect_errno(rmdir("d/alpha"), ENOTDIR, "rmdir a file");
    expect_errno(open("d", O_WRONLY), EISDIR, "open directory for writing");

    char cwd[4096];
    check(chdir("d") == 0, "chdir d");
    check(getcwd(cwd, sizeof cwd) != NULL, "getcwd");
    size_t len = strlen(cwd);
    check(len >= 16 && strcmp(cwd + len - 16, "/syscheck.work/d") == 0, "getcwd ends with /syscheck.work/d");
    check(chdir("..") == 0, "chdir ..");

    for (unsigned i = 0; i < sizeof files / sizeof files[0]; i++)
        check(unlink(files[i]) == 0, "unlink %s", files[i]);
    check(rmdir("d/sub") == 0, "rmdir d/sub");
    list_dir("d");
    check(rmdir("d") == 0, "rmdir d");
    struct stat st;
    expect_errno(stat("d", &st), ENOENT, "stat removed d");
}

static void test_stat(void) {
    section("stat");
    int fd = open("s", O_CREAT | O_EXCL | O_WRONLY, 0640);
    check(fd >= 0, "create s mode 0640");
    check(write_all(fd, "0123456789abcdef", 16), "write 16 bytes");
    struct stat st, st2;
    check(fstat(fd, &st) == 0, "fstat s");
    print_stat("fstat s", &st);
    check(S_ISREG(st.st_mode), "s is a regular file");
    close(fd);
    check(stat("s", &st2) == 0, "stat s");
    print_stat("stat s", &st2);
    check(st.st_ino == st2.st_ino && st.st_dev == st2.st_dev, "stat and fstat name the same inode");
    check(chmod("s", 0600) == 0, "chmod s 0600");
    check(stat("s", &st2) == 0 && (st2.st_mode & 07777) == 0600, "mode is 0600 after chmod");

    check(symlink("s", "link") == 0, "symlink link -> s");
    check(lstat("link", &st) == 0, "lstat link");
    print_stat("lstat link", &st);
    check(S_ISLNK(st.st_mode), "lstat sees a symlink");
    check(stat("link", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 16, "stat follows the symlink");
    char target[64] = {0};
    ssize_t n = readlink("link", target, sizeof target - 1);
    check(n == 1 && strcmp(target, "s") == 0, "readlink: %s", target);

    check(mkdir("dd", 0751) == 0, "mkdir dd 0751");
    check(stat("dd", &st) == 0 && S_ISDIR(st.st_mode), "dd is a directory");
    printf("     stat dd: mode %06o\n", (unsigned)st.st_mode);
    check(rmdir("dd") == 0, "rmdir dd");
    check(unlink("link") == 0 && unlink("s") == 0, "unlink link and s");
    expect_errno(lstat("link", &st), ENOENT, "lstat removed link");

    check(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode), "/dev/null is a character device");
}

static void test_lseek(void) {
    section("lseek");
    int fd = open("l", O_CREAT | O_EXCL | O_RDWR, 0600);
    check(fd >= 0, "create l");
    check(write_all(fd, "ABCDEFGHIJ", 10), "write 10 bytes");
    check(lseek(fd, 0, SEEK_CUR) == 10, "SEEK_CUR 0 -> 10");
    check(lseek(fd, 2, SEEK_SET) == 2, "SEEK_SET 2 -> 2");
    check(lseek(fd, 3, SEEK_CUR) == 5, "SEEK_CUR +3 -> 5");
    char c = 0;
    ssize_t n = read(fd, &c, 1);
    check(n == 1 && c == 'F', "read at 5: %c", c);
    check(lseek(fd, -1, SEEK_END) == 9, "SEEK_END -1 -> 9");
    n = read(fd, &c, 1);
    check(n == 1 && c == 'J', "read at 9: %c", c);
    expect_errno(lseek(fd, -100, SEEK_SET), EINVAL, "SEEK_SET -100");
    expect_errno(lseek(fd, 0, 42), EINVAL, "whence 42");

    /* A hole: write 1 MiB past the end; the gap reads as zeros. */
    const off_t far = 1 << 20;
    check(lseek(fd, far, SEEK_END) == far + 10, "SEEK_END +1MiB -> 1048586");
    check(write_all(fd, "Z", 1), "write after the hole");
    struct stat st;
    check(fstat(fd, &st) == 0 && st.st_size == far + 11, "size with hole is 1048587");
    static char zeros[4096], buf[4096];
    int all_zero = 1;
    for (off_t off = 10; off < far + 10; off += (off_t)sizeof buf) {
        size_t want = (size_t)((far + 10 - off) < (off_t)sizeof buf ? (far + 10 - off) : (off_t)sizeof buf);
        if (pread(fd, buf, want, off) != (ssize_t)want || memcmp(buf, zeros, want) != 0)
            all_zero = 0;
    }
    check(all_zero, "the hole reads as zeros");
    n = pread(fd, &c, 1, far + 10);
    check(n == 1 && c == 'Z', "byte after the hole: %c", c);

    int p[2];
    check(pipe(p) == 0, "pipe");
    expect_errno(lseek(p[0], 0, SEEK_SET), ESPIPE, "lseek on a pipe");
    close(p[0]);
    close(p[1]);
    close(fd);
    check(unlink("l") == 0, "unlink l");
}

static int64_t ns_of(const struct timespec* t) {
    return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static void test_time(void) {
    section("time");
    struct timespec a, b, res;
    check(clock_gettime(CLOCK_MONOTONIC, &a) == 0, "clock_gettime MONOTONIC");
    int increasing = 1;
    struct timespec prev = a;
    for (int i = 0; i < 1000; i++) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (ns_of(&now) < ns_of(&prev))
            increasing = 0;
        prev = now;
    }
    check(increasing, "monotonic: never decreases over 1000 reads");
    check(clock_getres(CLOCK_MONOTONIC, &res) == 0 && ns_of(&res) > 0 && ns_of(&res) <= 1000000,
          "monotonic resolution at most 1 ms");

    struct timespec req = {0, 10 * 1000 * 1000};
    check(nanosleep(&req, NULL) == 0, "nanosleep 10 ms");
    check(clock_gettime(CLOCK_MONOTONIC, &b) == 0, "clock_gettime MONOTONIC again");
    int64_t elapsed = ns_of(&b) - ns_of(&a);
    check(elapsed >= 10 * 1000 * 1000, "monotonic: increases by at least the 10 ms slept");
    check(elapsed < 30LL * 1000 * 1000 * 1000, "monotonic: increases by less than 30 s");

    struct timeval tv;
    struct timespec rt;
    check(gettimeofday(&tv, NULL) == 0, "gettimeofday");
    check(clock_gettime(CLOCK_REALTIME, &rt) == 0, "clock_gettime REALTIME");
    check(tv.tv_sec > 1577836800, "gettimeofday: after 2020-01-01");
    check(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "gettimeofday: microseconds in range");
    int64_t diff = ns_of(&rt) - ((int64_t)tv.tv_sec * 1000000000 + tv.tv_usec * 1000);
    check(diff >= 0 && diff < 5LL * 1000 * 1000 * 1000, "REALTIME agrees with gettimeofday within 5 s");
    /* Linux's time() reads the seconds of the last tick, so just after a second boundary it can be one
     * behind gettimeofday(), which reads the clock itself. */
    time_t t = time(NULL);
    check(t + 1 >= tv.tv_sec && t - tv.tv_sec < 5, "time() agrees with gettimeofday");
    struct timespec cpu;
    check(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu) == 0 && ns_of(&cpu) >= 0,
          "clock_gettime PROCESS_CPUTIME");
}

static void test_mmap(void) {
    section("mmap");
    const size_t size = 64UL << 20;
    const long page = sysconf(_SC_PAGESIZE);
    printf("     page size %ld\n", page);
    unsigned char* p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(p != MAP_FAILED, "mmap 64 MiB anonymous");
    if (p == MAP_FAILED)
        return;
    check(((uintptr_t)p & (uintptr_t)(page - 1)) == 0, "mapping is page aligned");
    int zero = 1;
    for (size_t off = 0; off < size; off += (size_t)page)
        if (p[off] != 0)
            zero = 0;
    check(zero, "fresh anonymous pages read as zeros");
    for (size_t off = 0; off < size; off += (size_t)page)
        p[off] = (unsigned char)(off / (size_t)page * 7 + 1);
    int ok = 1;
    for (size_t off = 0; off < size; off += (size_t)page)
        if (p[off] != (unsigned char)(off / (size_t)page * 7 + 1))
            ok = 0;
    check(ok, "wrote and read back every one of %zu pages", size / (size_t)page);
    check(munmap(p + size / 2, size / 2) == 0, "munmap the upper half");
    check(p[size / 2 - (size_t)page] == (unsigned char)((size / 2 / (size_t)page - 1) * 7 + 1),
          "lower half still mapped");
    check(munmap(p, size / 2) == 0, "munmap the lower half");

    unsigned char* q =
        mmap(NULL, (size_t)page * 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(q != MAP_FAILED, "mmap 4 pages");
    if (q == MAP_FAILED)
        return;
    memset(q, 0xab, (size_t)page * 4);
    check(mprotect(q, (size_t)page, PROT_READ) == 0, "mprotect first page read-only");
    check(q[0] == 0xab && q[page] == 0xab, "read-only page still reads");
    q[page] = 0xcd;
    check(q[page] == 0xcd, "writable page after it still writes");
    check(mprotect(q, (size_t)page, PROT_READ | PROT_WRITE) == 0, "mprotect back to read-write");
    q[0] = 1;
    check(q[0] == 1, "write after mprotect read-write");
    expect_errno(mprotect((char*)q + 1, (size_t)page, PROT_READ), EINVAL, "mprotect unaligned");
    check(munmap(q, (size_t)page * 4) == 0, "munmap 4 pages");
    expect_errno((long)(intptr_t)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL,
                 "mmap length 0");

    /* munmap gives back any mapping, not only the most recent: 200 rounds of two 8 MiB mappings, the older
       one unmapped first, would exhaust a small mmap area otherwise. */
    const size_t chunk = 8UL << 20;
    int rounds = 0;
    for (; rounds < 200; rounds++) {
        unsigned char* a = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        unsigned char* b = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (a == MAP_FAILED || b == MAP_FAILED || a[chunk - 1] != 0 || b[0] != 0)
            break;
        a[chunk - 1] = 1;
        b[0] = 2;
        if (munmap(a, chunk) != 0 || munmap(b, chunk) != 0)
            break;
    }
    check(rounds == 200, "200 rounds of two 8 MiB mappings, the older unmapped first");
    unsigned char* r = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(r != MAP_FAILED, "mmap 8 MiB");
    if (r == MAP_FAILED)
        return;
    check(munmap(r + (size_t)page, (size_t)page) == 0, "munmap one page inside it");
    unsigned char* s = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(s != MAP_FAILED && s[0] == 0, "mmap one page: zeros");
    check(munmap(r, chunk) == 0 && (s == MAP_FAILED || munmap(s, (size_t)page) == 0), "munmap both");
}

static void test_brk(void) {
    section("brk");
    /* Nothing in between may call malloc: it could move the break too. */
    const intptr_t step = 256 * 1024;
    const int steps = 16;
    char* start = sbrk(0);
    int grew = 1, touched = 1;
    for (int i = 0; i < steps; i++) {
        char* old = sbrk(step);
        if (old == (void*)-1 || old != start + i * step) {
            grew = 0;
            break;
        }
        for (intptr_t off = 0; off < step; off += 4096)
            old[off] = (char)(i + 1);
    }
    if (grew)
        for (int i = 0; i < steps; i++)
            for (intptr_t off = 0; off < step; off += 4096)
                if (start[i * step + off] != (char)(i + 1))
                    touched = 0;
    char* end = sbrk(0);
    int shrank = grew && sbrk(-step * steps) != (void*)-1 && sbrk(0) == start;
    check(grew, "sbrk grows the break in %d steps of %ld KiB", steps, (long)(step / 1024));
    check(end == start + step * steps, "break moved by exactly 4 MiB");
    check(touched, "every page of the grown heap holds what was written");
    check(shrank, "sbrk shrinks the break back");
    void* m = malloc(1 << 20);
    check(m != NULL, "malloc 1 MiB after brk games");
    if (m)
        memset(m, 1, 1 << 20);
    free(m);
}

static void test_identity(void) {
    section("identity");
    pid_t pid = getpid();
    pid_t tid = (pid_t)syscall(SYS_gettid);
    check(pid > 0, "getpid is positive");
    check(tid == pid, "gettid equals getpid in the main thread");
    check(getppid() >= 0, "getppid is not negative");
    check(getuid() == geteuid() && getgid() == getegid(), "real and effective ids agree");
    struct utsname u;
    check(uname(&u) == 0, "uname");
    printf("     sysname %s machine %s\n", u.sysname, u.machine);
    check(u.release[0] != '\0', "uname release is not empty");
    char host[256];
    check(gethostname(host, sizeof host) == 0 && strcmp(host, u.nodename) == 0,
          "gethostname equals nodename");
}

static void test_args(int argc, char** argv) {
    section("argv/envp");
    printf("     argc %d\n", argc);
    for (int i = 3; i < argc; i++)
        printf("     arg %d: [%s]\n", i - 2, argv[i]);
    check(argv[argc] == NULL, "argv ends with NULL");
    /* Only SYSCHECK_* variables: the rest of the environment differs between runs; sort them. */
    char* vars[64];
    int n = 0, count = 0;
    for (char** e = environ; *e; e++) {
        count++;
        if (strncmp(*e, "SYSCHECK_", 9) == 0 && n < 64)
            vars[n++] = *e;
    }
    qsort(vars, (size_t)n, sizeof vars[0], cmp_str);
    for (int i = 0; i < n; i++)
        printf("     env %s\n", vars[i]);
    check(count >= n, "environment has %d SYSCHECK_ variables", n);
    const char* v = getenv("SYSCHECK_VALUE");
    if (v)
        printf("     getenv SYSCHECK_VALUE: [%s]\n", v);
}

int main(int argc, char** argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        fprintf(stderr, "usage: syscheck DIR [EXIT_STATUS [ARGS...]]\n");
        return 2;
    }
    int status = 0;
    if (argc >= 3) {
        char* endp;
        long v = strtol(argv[2], &endp, 10);
        if (*argv[2] == '\0' || *endp != '\0' || v < 0 || v > 255) {
            fprintf(stderr, "syscheck: EXIT_STATUS must be 0-255, not '%s'\n", argv[2]);
            return 2;
        }
        status = (int)v;
    }
    umask(022);
    if (chdir(argv[1]) != 0) {
        fprintf(stderr, "syscheck: cannot enter %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    if (mkdir("syscheck.work", 0755) != 0 || chdir("syscheck.work") != 0) {
        fprintf(stderr, "syscheck: cannot create %s/syscheck.work: %s\n", argv[1], strerror(errno));
        return 2;
    }
    printf("syscheck\n");
    test_files();
    test_dirs();
    test_stat();
    test_lseek();
    test_time();
    test_mmap();
    test_brk();
    test_identity();
    test_args(argc, argv);

    section("cleanup");
    check(chdir("..") == 0, "chdir ..");
    list_dir("syscheck.work");
    check(rmdir("syscheck.work") == 0, "rmdir syscheck.work");
    if (failures) {
        printf("syscheck: %d of %d checks FAILED\n", failures, checks);
        return 1;
    }
    printf("syscheck: all %d checks passed; exit status %d\n", checks, status);
    if (status % 2)
        exit(status); /* odd: through exit(); even: by returning from main */
    return status;
}

/* filemap: mmap of files, as dynamically linked programs and their loader use it, one deterministic line per
 * check (results and errno names, never addresses), so that a run on Linux and one under `cokernel run` can
 * be compared line by line. The last check, a writable MAP_SHARED mapping, is printed on its own line
 * prefixed "shared-write:": Linux writes back to the file, the co-kernel refuses with ENODEV (docs/run.md).
 *
 * Usage: filemap DIR   (works in DIR/filemap.work, removed again); exit 0 when every check ran.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char* errname(int e) {
    switch (e) {
    case 0: return "0";
    case EBADF: return "EBADF";
    case EACCES: return "EACCES";
    case EINVAL: return "EINVAL";
    case ENODEV: return "ENODEV";
    case ENOMEM: return "ENOMEM";
    case EEXIST: return "EEXIST";
    case EOVERFLOW: return "EOVERFLOW";
    default: return "other";
    }
}

/* One mmap call's outcome: "ok" or the errno's name. */
static void report(const char* what, void* p) {
    printf("%-44s %s\n", what, p == MAP_FAILED ? errname(errno) : "ok");
}

static unsigned sum(const unsigned char* p, size_t n) {
    unsigned s = 0;
    for (size_t i = 0; i < n; ++i) {
        s = s * 31 + p[i];
    }
    return s;
}

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: filemap DIR\n");
        return 2;
    }
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/filemap.work", argv[1]);
    if (mkdir(dir, 0700) != 0) {
        perror(dir);
        return 2;
    }
    snprintf(path, sizeof path, "%s/data", dir);
    /* Three and a half pages: byte i is i * 7 mod 251. */
    const size_t size = 3 * 4096 + 2048;
    unsigned char* bytes = malloc(size);
    for (size_t i = 0; i < size; ++i) {
        bytes[i] = (unsigned char)(i * 7 % 251);
    }
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, bytes, size) != (ssize_t)size) {
        perror(path);
        return 2;
    }
    close(fd);

    fd = open(path, O_RDONLY);
    unsigned char* p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    report("private read-only, whole file", p);
    if (p != MAP_FAILED) {
        printf("%-44s %s\n", "  bytes are the file's", memcmp(p, bytes, size) == 0 ? "yes" : "no");
        unsigned char tail[2048];
        memset(tail, 0, sizeof tail);
        printf("%-44s %s\n", "  rest of the last page is zero", memcmp(p + size, tail, 2048) == 0 ? "yes" : "no");
        munmap(p, size);
    }
    p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 8192);
    report("private, offset 2 pages", p);
    if (p != MAP_FAILED) {
        printf("%-44s %s\n", "  bytes are the file's at 8192", memcmp(p, bytes + 8192, 4096) == 0 ? "yes" : "no");
        munmap(p, 4096);
    }
    p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    report("private read-write of a read-only file", p);
    if (p != MAP_FAILED) {
        p[0] = 0xee;
        p[5000] = 0xdd;
        unsigned char first[2];
        pread(fd, first, 1, 0);
        pread(fd, first + 1, 1, 5000);
        printf("%-44s %s\n", "  writes stay private (file unchanged)",
               first[0] == bytes[0] && first[1] == bytes[5000] ? "yes" : "no");
        printf("%-44s %s\n", "  the mapping has them", p[0] == 0xee && p[5000] == 0xdd ? "yes" : "no");
        munmap(p, 8192);
    }
    p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    report("shared read-only", p);
    if (p != MAP_FAILED) {
        printf("%-44s %u\n", "  checksum", sum(p, size));
        munmap(p, size);
    }
    /* The dynamic loader's pattern: reserve the span with the file, then map a later part MAP_FIXED over it,
     * then an anonymous MAP_FIXED for the bss. */
    p = mmap(NULL, 4 * 4096, PROT_READ, MAP_PRIVATE | MAP_DENYWRITE, fd, 0);
    report("loader: reserve 4 pages from the file", p);
    if (p != MAP_FAILED) {
        void* q = mmap(p + 4096, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 12288);
        report("loader: MAP_FIXED page 1 from offset 12288", q);
        printf("%-44s %s\n", "  page 1 has the bytes at 12288",
               q == p + 4096 && memcmp(p + 4096, bytes + 12288, 2048) == 0 ? "yes" : "no");
        printf("%-44s %s\n", "  page 0 is unchanged", memcmp(p, bytes, 4096) == 0 ? "yes" : "no");
        q = mmap(p + 8192, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
        report("loader: anonymous MAP_FIXED over pages 2-3", q);
        printf("%-44s %s\n", "  they read as zero", q != MAP_FAILED && p[8192] == 0 && p[16383] == 0 ? "yes" : "no");
        q = mmap(p, 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
        report("MAP_FIXED_NOREPLACE over it", q);
        munmap(p, 4 * 4096);
    }
    report("offset not page aligned", mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 100));
    report("length 0", mmap(NULL, 0, PROT_READ, MAP_PRIVATE, fd, 0));
    report("shared writable of a read-only descriptor", mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    close(fd);
    report("closed descriptor", mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0));
    report("descriptor -1 without MAP_ANONYMOUS", mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, -1, 0));
    fd = open(path, O_WRONLY);
    report("write-only descriptor", mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0));
    close(fd);
    fd = open(path, O_PATH);
    report("O_PATH descriptor", mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0));
    close(fd);
    int pipefd[2];
    if (pipe(pipefd) == 0) {
        report("a pipe", mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, pipefd[0], 0));
        close(pipefd[0]);
        close(pipefd[1]);
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY);
    report("a directory", mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0));
    close(fd);
    fd = open("/dev/zero", O_RDONLY);
    p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    report("/dev/zero private", p);
    if (p != MAP_FAILED) {
        p[100] = 1;
        printf("%-44s %s\n", "  reads zero, writable", p[0] == 0 && p[8191] == 0 && p[100] == 1 ? "yes" : "no");
        munmap(p, 8192);
    }
    close(fd);

    fd = open(path, O_RDWR);
    p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("shared-write: %s\n", p == MAP_FAILED ? errname(errno) : "ok");
    if (p != MAP_FAILED) {
        munmap(p, 4096);
    }
    close(fd);
    unlink(path);
    rmdir(dir);
    free(bytes);
    printf("filemap: done\n");
    return 0;
}

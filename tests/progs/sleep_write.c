/* `sleep_write SECONDS TEXT`: sleeps SECONDS with nanosleep, then writes TEXT and a newline to stdout with
 * one write(2), and exits 0. Under `cokernel run` the sleep is native (the co-kernel waits on its TSC) and the
 * write is delegated: the one request comes after SECONDS in which nothing reached the proxy, so the proxy
 * has long finished spinning and sleeps (tests/qemu/test_run_kill.sh, "--wait=notify"). Unlike a busybox
 * shell loop, how long the job waits does not depend on how fast the machine computes; unlike `sh -c 'sleep
 * 1; echo x'` it needs no fork, which busybox's sh would do for sleep. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc != 3)
        return 2;
    struct timespec t = {.tv_sec = atoi(argv[1]), .tv_nsec = 0};
    while (nanosleep(&t, &t) != 0) {
    }
    char line[256];
    size_t n = strlen(argv[2]);
    if (n > sizeof line - 1)
        n = sizeof line - 1;
    memcpy(line, argv[2], n);
    line[n] = '\n';
    return write(1, line, n + 1) == (ssize_t)(n + 1) ? 0 : 1;
}

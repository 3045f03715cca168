/* Threads in delegated system calls (tests/qemu/test_thread_delegation.sh). Every blocked read() here reads a
 * pipe the program made itself and never writes, so it blocks until the process ends; on the co-kernel each
 * such read() waits in the proxy on Linux. There is no way to know that a thread has entered read(): a thread
 * sets its flag just before the call and the main thread sleeps 0.5 s after seeing all flags.
 *
 *   thread_io writes N STATUS  one thread blocks in read(); another makes N write()s of one line each
 *                              ("write I of N") to stdout and then calls exit(STATUS) itself; the main
 *                              thread waits in pthread_join for the writer. With one delegation channel per
 *                              thread, served concurrently, the writes do not wait behind the read.
 *   thread_io exit N STATUS    N threads block in read(), one pipe each; the main thread prints
 *                              "N readers blocked, exit STATUS" and calls exit(STATUS): exit_group must end
 *                              the blocked threads, and promptly.
 *   thread_io hang N           N threads block in read(), one pipe each; the main thread prints "ready" and
 *                              blocks in pthread_join for ever (the test kills `cokernel run` with SIGKILL).
 * Output goes out with write(2) on stdout, line by line, so what was printed before the end is all there.
 * Usage errors exit 2.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_READERS 64

static void say(const char* s) {
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(1, s, n);
        if (w <= 0) {
            fprintf(stderr, "thread_io: write to stdout failed\n");
            exit(1);
        }
        s += w;
        n -= (size_t)w;
    }
}

static _Noreturn void die(const char* what) {
    fprintf(stderr, "FAIL thread_io: %s\n", what);
    exit(1);
}

static void create(pthread_t* t, void* (*fn)(void*), void* arg, const char* what) {
    int err = pthread_create(t, NULL, fn, arg);
    if (err != 0) {
        fprintf(stderr, "FAIL thread_io: pthread_create of %s: %s\n", what, strerror(err));
        exit(1);
    }
}

static int about_to_read;

static void* reader(void* arg) {
    int fd = (int)(intptr_t)arg;
    char c;
    __atomic_add_fetch(&about_to_read, 1, __ATOMIC_ACQ_REL);
    ssize_t r = read(fd, &c, 1);
    /* Only an ended process stops this read: the write end stays open and is never written. */
    fprintf(stderr, "FAIL thread_io: read() of the idle pipe returned %zd\n", r);
    exit(1);
}

/* Starts N readers, each on a pipe of its own, and waits until they are (most likely) blocked in read(). */
static pthread_t* start_readers(int n) {
    static pthread_t t[MAX_READERS];
    for (int i = 0; i < n; i++) {
        int p[2];
        if (pipe(p) != 0)
            die("pipe");
        create(&t[i], reader, (void*)(intptr_t)p[0], "a reader");
    }
    const struct timespec tick = {0, 10 * 1000 * 1000};
    for (int waited = 0; __atomic_load_n(&about_to_read, __ATOMIC_ACQUIRE) < n; waited++) {
        if (waited == 3000)
            die("the readers did not start within 30 s");
        nanosleep(&tick, NULL);
    }
    const struct timespec settle = {0, 500 * 1000 * 1000};
    nanosleep(&settle, NULL);
    return t;
}

static long writes_n;
static int exit_status;

static void* writer(void* arg) {
    (void)arg;
    char line[64];
    for (long i = 1; i <= writes_n; i++) {
        snprintf(line, sizeof line, "write %ld of %ld\n", i, writes_n);
        say(line);
    }
    exit(exit_status); /* from a thread that is not the main one */
}

static long number(const char* s, long min, long max) {
    char* end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "thread_io: '%s' is not a number in %ld..%ld\n", s, min, max);
        exit(2);
    }
    return v;
}

static _Noreturn void usage(void) {
    fprintf(stderr, "usage: thread_io writes N STATUS | exit N STATUS | hang N\n");
    exit(2);
}

int main(int argc, char** argv) {
    if (argc < 3)
        usage();
    char line[80];
    if (strcmp(argv[1], "writes") == 0 && argc == 4) {
        writes_n = number(argv[2], 1, 1000000);
        exit_status = (int)number(argv[3], 0, 255);
        start_readers(1);
        say("reader blocked\n");
        pthread_t w;
        create(&w, writer, NULL, "the writer");
        pthread_join(w, NULL);
        die("pthread_join of the writer returned: its exit() did not end the process");
    } else if (strcmp(argv[1], "exit") == 0 && argc == 4) {
        int n = (int)number(argv[2], 1, MAX_READERS);
        int status = (int)number(argv[3], 0, 255);
        start_readers(n);
        snprintf(line, sizeof line, "%d readers blocked, exit %d\n", n, status);
        say(line);
        exit(status);
    } else if (strcmp(argv[1], "hang") == 0 && argc == 3) {
        int n = (int)number(argv[2], 1, MAX_READERS);
        pthread_t* t = start_readers(n);
        say("ready\n");
        pthread_join(t[0], NULL);
        die("pthread_join of a blocked reader returned");
    }
    usage();
}

/* Starting peers, talking to them, and the checks. */
#define _GNU_SOURCE
#include "xemem_test.h"

#include <xemem.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failed;

void check(int cond, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    printf("%s - ", cond ? "ok  " : "FAIL");
    vprintf(fmt, args);
    va_end(args);
    putchar('\n');
    fflush(stdout);
    if (!cond)
        ++failed;
}

int failures(void) {
    return failed;
}

static void die(const char* what) {
    printf("FAIL - %s: %s\n", what, strerror(errno));
    exit(1);
}

void peer_start(struct peer* p, const char* label, uid_t uid, gid_t gid) {
    static char self[4096];
    if (self[0] == '\0' && readlink("/proc/self/exe", self, sizeof(self) - 1) < 0)
        die("readlink /proc/self/exe");
    int to[2], from[2];
    if (pipe2(to, O_CLOEXEC) != 0 || pipe2(from, O_CLOEXEC) != 0)
        die("pipe");
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        if (uid != (uid_t)-1) {
            gid_t groups[1] = {gid};
            if (setgroups(1, groups) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0) {
                perror("peer: set ids");
                _exit(126);
            }
        }
        execl(self, self, "peer", (char*)NULL);
        perror("peer: exec");
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    p->label = label;
    p->pid = pid;
    p->to = to[1];
    p->from = from[0];
}

/* One line from the peer; "" when it died. */
static const char* read_reply(struct peer* p) {
    size_t len = 0;
    while (len + 1 < sizeof(p->reply)) {
        char c;
        ssize_t got = read(p->from, &c, 1);
        if (got <= 0 || c == '\n')
            break;
        p->reply[len++] = c;
    }
    p->reply[len] = '\0';
    return p->reply;
}

static const char* vask(struct peer* p, const char* fmt, va_list args) {
    char line[512];
    int len = vsnprintf(line, sizeof(line) - 1, fmt, args);
    line[len++] = '\n';
    if (write(p->to, line, (size_t)len) != len) {
        p->reply[0] = '\0';
        return p->reply;
    }
    return read_reply(p);
}

const char* peer_ask(struct peer* p, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    const char* answer = vask(p, fmt, args);
    va_end(args);
    return answer;
}

int64_t peer_ok(struct peer* p, const char* what, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    const char* answer = vask(p, fmt, args);
    va_end(args);
    int good = strncmp(answer, "ok", 2) == 0 && (answer[2] == '\0' || answer[2] == ' ');
    check(good, "%s: %s%s%s", p->label, what, good ? "" : ": ", good ? "" : answer);
    if (!good)
        return -1;
    return answer[2] == ' ' ? strtoll(answer + 3, NULL, 0) : 0;
}

void peer_err(struct peer* p, int err, const char* what, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    const char* answer = vask(p, fmt, args);
    va_end(args);
    char expected[32];
    snprintf(expected, sizeof(expected), "err %d", err);
    check(strcmp(answer, expected) == 0, "%s: %s: %s (%s)", p->label, what, strerror(err),
          strcmp(answer, expected) == 0 ? "as expected" : answer);
}

void peer_stop(struct peer* p) {
    if (write(p->to, "exit\n", 5) != 5)
        check(0, "%s: cannot send exit", p->label);
    close(p->to);
    close(p->from);
    int status = 0;
    waitpid(p->pid, &status, 0);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s exits with status 0 (wait status %d)", p->label,
          status);
}

void peer_kill(struct peer* p) {
    kill(p->pid, SIGKILL);
    close(p->to);
    close(p->from);
    int status = 0;
    waitpid(p->pid, &status, 0);
    check(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "%s killed with SIGKILL", p->label);
}

static int live_counters_zero(struct xemem_counters* c) {
    return c->segments == 0 && c->apids == 0 && c->attachments == 0 && c->pinned_pages == 0;
}

void check_counters_zero(const char* when) {
    struct xemem_counters c;
    memset(&c, 0, sizeof(c));
    /* Cleanup after an exit or a kill may finish on the module's workqueue: wait for it, up to 30 s. */
    for (int i = 0; i < 3000; ++i) {
        if (xemem_read_counters(&c) != 0) {
            check(0, "%s: read counters: %s", when, strerror(errno));
            return;
        }
        if (live_counters_zero(&c))
            break;
        struct timespec tick = {0, 10 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    check(live_counters_zero(&c) && c.pins_total == c.unpins_total,
          "%s: counters back to zero (segments %" PRIu64 ", apids %" PRIu64 ", attachments %" PRIu64
          ", pinned pages %" PRIu64 ", pins %" PRIu64 " = unpins %" PRIu64 ")",
          when, c.segments, c.apids, c.attachments, c.pinned_pages, c.pins_total, c.unpins_total);
}

/* tests/xemem: owner/attacher processes on libxemem in the test VM (tests/qemu/test_xemem.sh).
 * One static program: "peer" is a process that obeys one-line commands on stdin (map, make, get, attach,
 * fill, verify, ...) and answers one line on stdout; the scenarios start peers as separate programs
 * (fork + exec, optionally as another uid), drive them through pipes and check the answers. */
#ifndef XEMEM_TEST_H
#define XEMEM_TEST_H

#include <stdint.h>
#include <sys/types.h>

/* The peer's command loop; returns the exit status. */
int peer_main(void);

/* A running peer and its two pipes. */
struct peer {
    const char* label;
    pid_t pid;
    int to;   /* its stdin */
    int from; /* its stdout */
    char reply[256];
};

/* Starts a peer as uid/gid (uid (uid_t)-1: unchanged); the program path comes from /proc/self/exe. */
void peer_start(struct peer* p, const char* label, uid_t uid, gid_t gid);
/* Sends a command (printf format) and returns the peer's answer, without the newline. */
const char* peer_ask(struct peer* p, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
/* Asks and checks that the answer is "ok [VALUE]"; returns VALUE (0 if none), -1 after a failed check. */
int64_t peer_ok(struct peer* p, const char* what, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
/* Asks and checks that the answer is "err ERRNO". */
void peer_err(struct peer* p, int err, const char* what, const char* fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "exit" and wait: the peer must exit with status 0. */
void peer_stop(struct peer* p);
/* SIGKILL and wait. */
void peer_kill(struct peer* p);

/* One line "ok - WHAT" or "FAIL - WHAT"; the process exit status counts the failures. */
void check(int cond, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
int failures(void);

/* Waits until the module's live counters (segments, apids, attachments, pinned pages) are all 0; cleanup
 * after a kill finishes on the module's workqueue. Checks the result. */
void check_counters_zero(const char* when);

#define MIB ((uint64_t)1024 * 1024)
#define PAGE ((uint64_t)4096)

#endif

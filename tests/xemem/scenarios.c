/* The scenarios of tests/qemu/test_xemem.sh; each ends with the module's counters back to zero.
 * Usage: xemem_test SCENARIO [ARGS]   (xemem_test peer: the command loop of peer.c) */
#define _GNU_SOURCE
#include "xemem_test.h"

#include <xemem.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const uid_t root = (uid_t)-1; /* the peer keeps the driver's ids */

/* Acceptance: two unrelated processes share a named segment; each sees the other's writes. */
static void share(uint64_t mib, const char* name) {
    uint64_t size = mib * MIB, pages = size / PAGE, half = pages / 2;
    struct peer owner, attacher;
    peer_start(&owner, "owner", root, 0);
    peer_start(&attacher, "attacher", root, 0);
    peer_ok(&owner, "map", "map %" PRIu64, size);
    peer_ok(&owner, "writes the first half", "fill r0 0 %" PRIu64 " 1", half);
    int64_t segid = peer_ok(&owner, "xemem_make_named", "make r0 %s 0600", name);
    int64_t found = peer_ok(&attacher, "xemem_lookup", "lookup %s", name);
    check(found == segid && segid > 0, "lookup finds the owner's segment id 0x%" PRIx64, segid);
    int64_t apid = peer_ok(&attacher, "xpmem_get read-write", "get %" PRId64 " rw", found);
    peer_ok(&attacher, "xpmem_attach of the whole segment", "attach %" PRId64 " 0 %" PRIu64, apid, size);
    peer_ok(&attacher, "sees the owner's writes", "verify a0 0 %" PRIu64 " 1", half);
    peer_ok(&attacher, "writes the second half", "fill a0 %" PRIu64 " %" PRIu64 " 2", half, pages - half);
    peer_ok(&owner, "sees the attacher's writes", "verify r0 %" PRIu64 " %" PRIu64 " 2", half, pages - half);
    peer_ok(&owner, "writes the first half again", "fill r0 0 %" PRIu64 " 3", half);
    peer_ok(&attacher, "sees the owner's new writes", "verify a0 0 %" PRIu64 " 3", half);

    struct xemem_segment segments[16];
    int count = xemem_list_segments(segments, 16);
    int listed = 0;
    for (int i = 0; i < count && i < 16; ++i)
        if (segments[i].segid == segid)
            listed = strcmp(segments[i].name, name) == 0 && segments[i].owner_pid == (uint32_t)owner.pid &&
                     segments[i].size == size && segments[i].mode == 0600 && segments[i].gets == 1 &&
                     segments[i].attachments == 1;
    check(count >= 1 && listed, "xemem_list_segments shows %s: owner pid, size, mode, 1 get, 1 attachment",
          name);
    char command[128];
    snprintf(command, sizeof(command), "cokernel xemem list --json | grep -q '\"name\":\"%s\"'", name);
    check(system(command) == 0, "cokernel xemem list --json shows %s", name);
    fflush(stdout);
    if (system("cokernel xemem list && cokernel xemem list --json") != 0)
        check(0, "cokernel xemem list");
    /* Read first: the order in which check()'s arguments are evaluated is unspecified. */
    struct xemem_counters c = {0};
    const int got = xemem_read_counters(&c);
    check(got == 0 && c.segments == 1 && c.apids == 1 && c.attachments == 1 && c.pinned_pages > 0,
          "while attached: 1 segment, 1 apid, 1 attachment, %" PRIu64 " pinned pages", c.pinned_pages);

    peer_ok(&attacher, "xpmem_detach", "detach a0");
    peer_ok(&attacher, "xpmem_release", "release %" PRId64, apid);
    peer_ok(&owner, "xpmem_remove", "remove %" PRId64, segid);
    peer_stop(&attacher);
    peer_stop(&owner);
    check_counters_zero("after both exit");
}

static void two_attachers(void) {
    uint64_t pages = 16 * MIB / PAGE, half = pages / 2;
    struct peer owner, a, b;
    peer_start(&owner, "owner", root, 0);
    peer_start(&a, "attacher A", root, 0);
    peer_start(&b, "attacher B", root, 0);
    peer_ok(&owner, "map 16 MiB", "map %" PRIu64, 16 * MIB);
    peer_ok(&owner, "fill", "fill r0 0 %" PRIu64 " 1", pages);
    int64_t segid = peer_ok(&owner, "make", "make r0 two-attachers 0600");
    int64_t apid_a = peer_ok(&a, "get", "get %" PRId64 " rw", segid);
    int64_t apid_b = peer_ok(&b, "get", "get %" PRId64 " rw", segid);
    check(apid_a != apid_b, "each attacher has its own apid");
    peer_ok(&a, "attach", "attach %" PRId64 " 0 %" PRIu64, apid_a, 16 * MIB);
    peer_ok(&b, "attach the second half only", "attach %" PRId64 " %" PRIu64 " %" PRIu64, apid_b, 8 * MIB,
            8 * MIB);
    peer_ok(&a, "sees the owner's data", "verify a0 0 %" PRIu64 " 1", pages);
    peer_ok(&a, "writes the second half", "fill a0 %" PRIu64 " %" PRIu64 " 2", half, half);
    /* B's attachment starts at the segment's middle: its page i is the segment's page half + i. */
    peer_ok(&b, "sees A's writes at the right offset", "verify a0 0 %" PRIu64 " 2", half);
    peer_ok(&owner, "sees A's writes", "verify r0 %" PRIu64 " %" PRIu64 " 2", half, half);
    peer_ok(&a, "detaches", "detach a0");
    peer_ok(&owner, "writes again", "fill r0 %" PRIu64 " %" PRIu64 " 3", half, half);
    peer_ok(&a, "probe: the detached range is gone", "probe-read a0 0");
    check(strncmp(a.reply, "ok 11", 5) == 0, "A's access after detach: SIGSEGV (%s)", a.reply);
    peer_stop(&a);
    peer_stop(&b);
    peer_stop(&owner);
    check_counters_zero("two attachers");
}

static void two_segments(void) {
    struct peer owner, attacher;
    peer_start(&owner, "owner", root, 0);
    peer_start(&attacher, "attacher", root, 0);
    peer_ok(&owner, "map 4 MiB", "map %" PRIu64, 4 * MIB);
    peer_ok(&owner, "map 8 MiB", "map %" PRIu64, 8 * MIB);
    peer_ok(&owner, "fill the first", "fill r0 0 1024 10");
    peer_ok(&owner, "fill the second", "fill r1 0 2048 20");
    int64_t s1 = peer_ok(&owner, "make seg-a", "make r0 seg-a 0600");
    int64_t s2 = peer_ok(&owner, "make seg-b", "make r1 seg-b 0600");
    peer_err(&owner, EEXIST, "a name in use", "make r1 seg-a 0600");
    check(s1 != s2, "two segment ids");
    check(peer_ok(&attacher, "lookup seg-b", "lookup seg-b") == s2, "seg-b is the second segment");
    int64_t p1 = peer_ok(&attacher, "get seg-a", "get %" PRId64 " rw", s1);
    int64_t p2 = peer_ok(&attacher, "get seg-b", "get %" PRId64 " rw", s2);
    peer_ok(&attacher, "attach seg-a", "attach %" PRId64 " 0 %" PRIu64, p1, 4 * MIB);
    peer_ok(&attacher, "attach seg-b", "attach %" PRId64 " 0 %" PRIu64, p2, 8 * MIB);
    peer_ok(&attacher, "seg-a holds the first region", "verify a0 0 1024 10");
    peer_ok(&attacher, "seg-b holds the second region", "verify a1 0 2048 20");
    peer_ok(&attacher, "writes seg-b", "fill a1 0 2048 21");
    peer_ok(&attacher, "a forked child of the attacher uses libxemem (its own descriptor)",
            "fork-get %" PRId64 " 2048 21", s2);
    peer_ok(&owner, "the second region changed", "verify r1 0 2048 21");
    peer_ok(&owner, "the first did not", "verify r0 0 1024 10");
    peer_ok(&owner, "remove seg-a while attached", "remove %" PRId64, s1);
    peer_ok(&attacher, "probe seg-a", "probe-read a0 0");
    check(strncmp(attacher.reply, "ok 7", 4) == 0, "access to a removed segment: SIGBUS (%s)",
          attacher.reply);
    peer_ok(&attacher, "seg-b still works", "verify a1 0 2048 21");
    peer_err(&attacher, ENOENT, "the removed segment's apid is gone", "release %" PRId64, p1);
    peer_ok(&attacher, "detach seg-a", "detach a0");
    peer_stop(&attacher);
    peer_stop(&owner);
    check_counters_zero("two segments");
}

/* The owner forks and writes: copy-on-write gives it new pages, and attachers follow them. */
static void fork_cow(void) {
    uint64_t pages = 8 * MIB / PAGE;
    struct peer owner, rw, ro;
    peer_start(&owner, "owner", root, 0);
    peer_start(&rw, "rw attacher", root, 0);
    peer_start(&ro, "ro attacher", root, 0);
    peer_ok(&owner, "map 8 MiB", "map %" PRIu64, 8 * MIB);
    peer_ok(&owner, "fill", "fill r0 0 %" PRIu64 " 1", pages);
    int64_t segid = peer_ok(&owner, "make", "make r0 cow 0600");
    int64_t a = peer_ok(&rw, "get rw", "get %" PRId64 " rw", segid);
    int64_t b = peer_ok(&ro, "get ro", "get %" PRId64 " ro", segid);
    peer_ok(&rw, "attach", "attach %" PRId64 " 0 %" PRIu64, a, 8 * MIB);
    peer_ok(&ro, "attach", "attach %" PRId64 " 0 %" PRIu64, b, 8 * MIB);
    peer_ok(&rw, "sees the data", "verify a0 0 %" PRIu64 " 1", pages);
    peer_ok(&ro, "sees the data", "verify a0 0 %" PRIu64 " 1", pages);
    peer_ok(&owner, "forks a child that keeps the pages", "fork-hold");
    peer_ok(&owner, "writes after the fork (copy-on-write)", "fill r0 0 %" PRIu64 " 2", pages);
    peer_ok(&rw, "sees the owner's new pages", "verify a0 0 %" PRIu64 " 2", pages);
    peer_ok(&ro, "sees the owner's new pages", "verify a0 0 %" PRIu64 " 2", pages);
    peer_ok(&rw, "writes", "fill a0 0 %" PRIu64 " 3", pages / 2);
    peer_ok(&owner, "sees the attacher's writes in its current pages", "verify r0 0 %" PRIu64 " 3",
            pages / 2);
    peer_ok(&ro, "sees them too", "verify a0 0 %" PRIu64 " 3", pages / 2);
    peer_ok(&owner, "forks again, the attacher writes first", "fork-hold");
    peer_ok(&rw, "writes while the owner's pages are shared with its child", "fill a0 0 %" PRIu64 " 4",
            pages);
    peer_ok(&owner, "sees the attacher's writes", "verify r0 0 %" PRIu64 " 4", pages);
    peer_ok(&owner, "the first child ends", "fork-end");
    peer_stop(&rw);
    peer_stop(&ro);
    peer_stop(&owner);
    check_counters_zero("fork + copy-on-write");
}

static void readonly(void) {
    struct peer owner, attacher;
    peer_start(&owner, "owner", root, 0);
    peer_start(&attacher, "ro attacher", root, 0);
    peer_ok(&owner, "map 1 MiB", "map %" PRIu64, MIB);
    peer_ok(&owner, "fill", "fill r0 0 256 7");
    int64_t segid = peer_ok(&owner, "make", "make r0 readonly 0644");
    int64_t apid = peer_ok(&attacher, "get read-only", "get %" PRId64 " ro", segid);
    peer_ok(&attacher, "attach", "attach %" PRId64 " 0 %" PRIu64, apid, MIB);
    peer_ok(&attacher, "reads", "verify a0 0 256 7");
    peer_ok(&attacher, "probe a write", "probe-write a0 3");
    check(strcmp(attacher.reply, "ok 11 2") == 0,
          "a write to a read-only attachment: SIGSEGV, SEGV_ACCERR (%s)", attacher.reply);
    peer_err(&attacher, EACCES, "mprotect(PROT_WRITE) of a read-only attachment", "mprotect-rw a0");
    peer_ok(&owner, "the owner's data is unchanged", "verify r0 0 256 7");
    peer_stop(&attacher);
    peer_stop(&owner);
    check_counters_zero("read-only");
}

/* Mode bits and uids: owners and attachers run as uids 1000 and 1001, not root. */
static void permissions(void) {
    struct peer owner, same_uid, other_uid, group_member, superuser;
    peer_start(&owner, "owner uid 1000", 1000, 1000);
    peer_start(&same_uid, "uid 1000", 1000, 1000);
    peer_start(&other_uid, "uid 1001", 1001, 1001);
    peer_start(&group_member, "uid 1001 gid 1000", 1001, 1000);
    peer_start(&superuser, "root", root, 0);
    peer_ok(&owner, "map", "map %" PRIu64, MIB);
    peer_ok(&owner, "fill", "fill r0 0 256 5");
    int64_t private = peer_ok(&owner, "make mode 0600", "make r0 perm-0600 0600");
    int64_t others_read = peer_ok(&owner, "make mode 0604", "make r0 perm-0604 0604");
    int64_t read_only = peer_ok(&owner, "make mode 0400", "make r0 perm-0400 0400");
    int64_t group_read = peer_ok(&owner, "make mode 0640", "make r0 perm-0640 0640");
    int64_t closed = peer_ok(&owner, "make mode 0", "make r0 perm-0000 0");

    int64_t apid = peer_ok(&same_uid, "0600: same uid, read-write", "get %" PRId64 " rw", private);
    peer_ok(&same_uid, "0600: same uid, read-only", "get %" PRId64 " ro", private);
    peer_err(&other_uid, EACCES, "0600: other uid, read-write", "get %" PRId64 " rw", private);
    peer_err(&other_uid, EACCES, "0600: other uid, read-only", "get %" PRId64 " ro", private);
    peer_ok(&other_uid, "0604: other uid, read-only", "get %" PRId64 " ro", others_read);
    peer_err(&other_uid, EACCES, "0604: other uid, read-write", "get %" PRId64 " rw", others_read);
    peer_ok(&same_uid, "0400: same uid, read-only", "get %" PRId64 " ro", read_only);
    peer_err(&same_uid, EACCES, "0400: same uid, read-write", "get %" PRId64 " rw", read_only);
    peer_ok(&group_member, "0640: group member, read-only", "get %" PRId64 " ro", group_read);
    peer_err(&group_member, EACCES, "0640: group member, read-write", "get %" PRId64 " rw", group_read);
    peer_err(&other_uid, EACCES, "0640: other uid and group, read-only", "get %" PRId64 " ro", group_read);
    peer_err(&same_uid, EACCES, "mode 0: same uid", "get %" PRId64 " ro", closed);
    peer_ok(&superuser, "mode 0: root (CAP_FOWNER) passes, as for files", "get %" PRId64 " rw", closed);

    peer_ok(&same_uid, "attach with the 0600 apid", "attach %" PRId64 " 0 %" PRIu64, apid, MIB);
    peer_ok(&same_uid, "reads", "verify a0 0 256 5");
    peer_err(&other_uid, EACCES, "release of another process's apid", "release %" PRId64, apid);
    peer_err(&other_uid, EACCES, "attach with another process's apid", "attach %" PRId64 " 0 4096", apid);
    peer_err(&same_uid, EACCES, "remove by a process that is not the owner (same uid)", "remove %" PRId64,
             private);
    peer_err(&superuser, EACCES, "remove by root, not the owner", "remove %" PRId64, private);
    peer_stop(&same_uid);
    peer_stop(&other_uid);
    peer_stop(&group_member);
    peer_stop(&superuser);
    peer_stop(&owner);
    check_counters_zero("permissions");
}

#define EXPECT_ERRNO(call, err, what)                                                                        \
    do {                                                                                                     \
        errno = 0;                                                                                           \
        int64_t result_ = (int64_t)(call);                                                                   \
        check(result_ == -1 && errno == (err), "%s: %s (got %" PRId64 ", %s)", what, strerror(err), result_, \
              strerror(errno));                                                                              \
    } while (0)

/* Every invalid argument through the library, then what only the module can know. */
static void invalid(void) {
    char* region = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void* mode = (void*)0600;
    EXPECT_ERRNO(xpmem_make(region, 4 * PAGE, 0, mode), EINVAL, "make: permit type 0");
    EXPECT_ERRNO(xpmem_make(region, 4 * PAGE, XPMEM_PERMIT_MODE, (void*)01000), EINVAL, "make: mode 01000");
    EXPECT_ERRNO(xpmem_make(region, 0, XPMEM_PERMIT_MODE, mode), EINVAL, "make: size 0");
    EXPECT_ERRNO(xpmem_make(region + 1, PAGE, XPMEM_PERMIT_MODE, mode), EINVAL, "make: unaligned address");
    EXPECT_ERRNO(xpmem_make(region, PAGE + 1, XPMEM_PERMIT_MODE, mode), EINVAL, "make: unaligned size");
    EXPECT_ERRNO(xpmem_make(region, XPMEM_MAXADDR_SIZE, XPMEM_PERMIT_MODE, mode), EINVAL,
                 "make: whole address space from a non-zero address");
    /* The top of user space with 5-level paging (QEMU's -cpu max has it), so beyond it everywhere. */
    EXPECT_ERRNO(xpmem_make((void*)0x00fffffffffff000, 2 * PAGE, XPMEM_PERMIT_MODE, mode), EINVAL,
                 "make: beyond user space");
    EXPECT_ERRNO(xemem_make_named(region, PAGE, "bad name", 0600), EINVAL, "make: name with a space");
    EXPECT_ERRNO(xemem_make_named(region, PAGE, "", 0600), EINVAL, "make: empty name");
    EXPECT_ERRNO(xemem_make_named(region, PAGE,
                                  "0123456789012345678901234567890123456789012345678901234567890123", 0600),
                 ENAMETOOLONG, "make: 64-character name");
    EXPECT_ERRNO(xemem_lookup("no-such-segment"), ENOENT, "lookup: unknown name");
    EXPECT_ERRNO(xemem_lookup("bad name"), EINVAL, "lookup: malformed name");
    EXPECT_ERRNO(xpmem_remove(0), EINVAL, "remove: segid 0");
    EXPECT_ERRNO(xpmem_remove(0x7fffffff), ENOENT, "remove: unknown segid");
    EXPECT_ERRNO(xpmem_get(-1, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL), EINVAL, "get: segid -1");
    EXPECT_ERRNO(xpmem_get(0x7fffffff, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL), ENOENT, "get: unknown segid");
    EXPECT_ERRNO(xpmem_release(0), EINVAL, "release: apid 0");
    EXPECT_ERRNO(xpmem_release(0x7fffffff), ENOENT, "release: unknown apid");

    xpmem_segid_t segid = xemem_make_named(region, 4 * PAGE, "invalid-args", 0600);
    check(segid > 0, "make a 4-page segment");
    EXPECT_ERRNO(xemem_make_named(region, PAGE, "invalid-args", 0600), EEXIST, "make: name in use");
    EXPECT_ERRNO(xpmem_get(segid, 0, XPMEM_PERMIT_MODE, NULL), EINVAL, "get: flags 0");
    EXPECT_ERRNO(xpmem_get(segid, XPMEM_RDWR | XPMEM_RDONLY, XPMEM_PERMIT_MODE, NULL), EINVAL,
                 "get: both flags");
    EXPECT_ERRNO(xpmem_get(segid, XPMEM_RDWR, 0, NULL), EINVAL, "get: permit type 0");
    /* XPMEM's libraries ignore get's permit value (callers pass the make mode there too). */
    xpmem_apid_t ignored = xpmem_get(segid, XPMEM_RDWR, XPMEM_PERMIT_MODE, mode);
    check(ignored > 0 && xpmem_release(ignored) == 0, "get: a permit value is ignored, as by XPMEM");
    xpmem_apid_t apid = xpmem_get(segid, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL);
    check(apid > 0, "get");
    EXPECT_ERRNO(xpmem_release(segid), ENOENT, "release: a segid is not an apid");
    struct xpmem_addr addr = {.apid = apid, .offset = 0};
    struct xpmem_addr bad = addr;
    void* failed = (void*)-1;
    bad.apid = 0;
    check(xpmem_attach(bad, PAGE, NULL) == failed && errno == EINVAL, "attach: apid 0: EINVAL");
    bad.apid = segid;
    check(xpmem_attach(bad, PAGE, NULL) == failed && errno == ENOENT, "attach: a segid as apid: ENOENT");
    bad = addr;
    bad.offset = 100;
    check(xpmem_attach(bad, PAGE, NULL) == failed && errno == EINVAL, "attach: unaligned offset: EINVAL");
    bad.offset = -(off_t)PAGE;
    check(xpmem_attach(bad, PAGE, NULL) == failed && errno == EINVAL, "attach: negative offset: EINVAL");
    check(xpmem_attach(addr, 0, NULL) == failed && errno == EINVAL, "attach: size 0: EINVAL");
    check(xpmem_attach(addr, 5 * PAGE, NULL) == failed && errno == EINVAL,
          "attach: beyond the segment: EINVAL");
    bad.offset = 3 * PAGE;
    check(xpmem_attach(bad, 2 * PAGE, NULL) == failed && errno == EINVAL,
          "attach: offset + size beyond the segment: EINVAL");
    check(xpmem_attach(addr, PAGE, region + 8) == failed && errno == EINVAL,
          "attach: unaligned address: EINVAL");
    check(xpmem_attach(addr, 2 * PAGE, (void*)0x00fffffffffff000) == failed && errno == EINVAL,
          "attach: fixed address beyond user space: EINVAL");
    char* at = xpmem_attach(addr, 2 * PAGE - 100, NULL);
    check(at != failed, "attach: a size that is not a page multiple is rounded up, as XPMEM does");
    EXPECT_ERRNO(xpmem_detach(region), EINVAL, "detach: not an attachment");
    check(at != failed && xpmem_detach(at + PAGE + 8) == 0, "detach by an address inside the attachment");
    EXPECT_ERRNO(xpmem_detach(at), EINVAL, "detach twice");
    check(xpmem_release(apid) == 0, "release");
    EXPECT_ERRNO(xpmem_release(apid), ENOENT, "release twice");
    check(xpmem_attach(addr, PAGE, NULL) == failed && errno == ENOENT, "attach: released apid: ENOENT");
    check(xpmem_remove(segid) == 0, "remove");
    EXPECT_ERRNO(xpmem_remove(segid), ENOENT, "remove twice");
    EXPECT_ERRNO(xpmem_get(segid, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL), ENOENT, "get: removed segment");
    EXPECT_ERRNO(xemem_lookup("invalid-args"), ENOENT, "lookup: the removed segment's name is free");
    munmap(region, 4 * PAGE);
    check_counters_zero("invalid arguments");
}

/* Starts an owner with 16 MiB exported as name ("-": unnamed) and an attacher that has attached all of it
 * and touched every page; returns the attacher's apid. */
static int64_t owner_and_attacher(struct peer* owner, struct peer* attacher, const char* name) {
    peer_start(owner, "owner", root, 0);
    peer_start(attacher, "attacher", root, 0);
    peer_ok(owner, "map 16 MiB", "map %" PRIu64, 16 * MIB);
    peer_ok(owner, "fill", "fill r0 0 4096 1");
    int64_t segid = peer_ok(owner, "make", "make r0 %s 0600", name);
    int64_t apid = peer_ok(attacher, "get", "get %" PRId64 " rw", segid);
    peer_ok(attacher, "attach", "attach %" PRId64 " 0 %" PRIu64, apid, 16 * MIB);
    peer_ok(attacher, "touches every page", "verify a0 0 4096 1");
    return apid;
}

static void kill_attacher(void) {
    struct peer owner, attacher;
    owner_and_attacher(&owner, &attacher, "-");
    struct xemem_counters c = {0};
    const int got = xemem_read_counters(&c); /* before check(): argument order is unspecified */
    check(got == 0 && c.pinned_pages > 0 && c.attachments == 1,
          "before the kill: %" PRIu64 " pinned pages, 1 attachment", c.pinned_pages);
    peer_kill(&attacher);
    for (int i = 0; i < 3000 && xemem_read_counters(&c) == 0 && (c.apids || c.attachments || c.pinned_pages);
         ++i)
        usleep(10000);
    check(c.segments == 1 && c.apids == 0 && c.attachments == 0 && c.pinned_pages == 0,
          "after the attacher's kill: its apid, attachment and pins are gone, the segment stays");
    peer_ok(&owner, "the owner's data is intact", "verify r0 0 4096 1");
    peer_stop(&owner);
    check_counters_zero("killed attacher");
}

static void kill_owner(void) {
    struct peer owner, attacher;
    int64_t apid = owner_and_attacher(&owner, &attacher, "killed-owner");
    peer_kill(&owner);
    peer_ok(&attacher, "probe after the owner's death", "probe-read a0 100");
    check(strncmp(attacher.reply, "ok 7 ", 5) == 0, "access after the owner was killed: SIGBUS (%s)",
          attacher.reply);
    peer_err(&attacher, ENOENT, "the name is gone", "lookup killed-owner");
    peer_err(&attacher, ENOENT, "the apid is gone with its segment", "release %" PRId64, apid);
    peer_ok(&attacher, "detach still works", "detach a0");
    peer_stop(&attacher);
    check_counters_zero("killed owner");
}

/* make/get/attach/touch/detach/release/remove, COUNT times, in two processes. */
static void cycles(long count) {
    struct peer owner, attacher;
    peer_start(&owner, "owner", root, 0);
    peer_start(&attacher, "attacher", root, 0);
    peer_ok(&owner, "map 64 KiB", "map 65536");
    long done = 0;
    for (long i = 0; i < count; ++i) {
        if (strcmp(peer_ask(&owner, "fill r0 0 16 %ld", i), "ok") != 0)
            break;
        const char* made = peer_ask(&owner, "make r0 cycle 0600");
        if (strncmp(made, "ok ", 3) != 0)
            break;
        long long segid = strtoll(made + 3, NULL, 0);
        if (strcmp(peer_ask(&attacher, "cycle %lld 16 %ld", segid, i), "ok") != 0 ||
            strcmp(peer_ask(&owner, "verify r0 0 16 %ld", i + 1), "ok") != 0 ||
            strcmp(peer_ask(&owner, "remove %lld", segid), "ok") != 0)
            break;
        ++done;
    }
    check(done == count,
          "%ld of %ld make/get/attach/touch/detach/release/remove cycles (last answers: '%s', '%s')", done,
          count, owner.reply, attacher.reply);
    peer_stop(&attacher);
    peer_stop(&owner);
    check_counters_zero("cycles");
}

/* What Open MPI and UCX do: export the whole address space, attach at the peer's addresses. */
static void whole(void) {
    struct peer owner, attacher;
    peer_start(&owner, "owner", root, 0);
    peer_start(&attacher, "attacher", root, 0);
    peer_ok(&owner, "map 4 MiB", "map %" PRIu64, 4 * MIB);
    peer_ok(&owner, "fill", "fill r0 0 1024 9");
    int64_t addr = peer_ok(&owner, "address of the region", "addr r0");
    int64_t segid = peer_ok(&owner, "xpmem_make(0, XPMEM_MAXADDR_SIZE, 0666)", "make-all 666");
    int64_t apid = peer_ok(&attacher, "get", "get %" PRId64 " rw", segid);
    peer_ok(&attacher, "attach at the owner's address as offset",
            "attach %" PRId64 " %" PRId64 " %" PRIu64 " 0", apid, addr, 4 * MIB);
    peer_ok(&attacher, "sees the region", "verify a0 0 1024 9");
    peer_ok(&attacher, "writes", "fill a0 0 1024 10");
    peer_ok(&owner, "sees the writes", "verify r0 0 1024 10");
    peer_stop(&attacher);
    peer_stop(&owner);
    check_counters_zero("whole address space");
}

int main(int argc, char** argv) {
    if (argc >= 2 && strcmp(argv[1], "peer") == 0)
        return peer_main();
    signal(SIGPIPE, SIG_IGN); /* a dead peer shows as an empty answer */
    const char* what = argc >= 2 ? argv[1] : "";
    if (strcmp(what, "share") == 0 && argc == 4)
        share(strtoull(argv[2], NULL, 0), argv[3]);
    else if (strcmp(what, "two-attachers") == 0)
        two_attachers();
    else if (strcmp(what, "two-segments") == 0)
        two_segments();
    else if (strcmp(what, "fork-cow") == 0)
        fork_cow();
    else if (strcmp(what, "readonly") == 0)
        readonly();
    else if (strcmp(what, "permissions") == 0)
        permissions();
    else if (strcmp(what, "invalid") == 0)
        invalid();
    else if (strcmp(what, "kill-attacher") == 0)
        kill_attacher();
    else if (strcmp(what, "kill-owner") == 0)
        kill_owner();
    else if (strcmp(what, "cycles") == 0 && argc == 3)
        cycles(strtol(argv[2], NULL, 0));
    else if (strcmp(what, "whole") == 0)
        whole();
    else {
        fprintf(stderr,
                "usage: xemem_test share MIB NAME | two-attachers | two-segments | fork-cow | readonly |\n"
                "       permissions | invalid | kill-attacher | kill-owner | cycles N | whole\n");
        return 2;
    }
    printf("# %s: %d failed\n", what, failures());
    return failures() == 0 ? 0 : 1;
}

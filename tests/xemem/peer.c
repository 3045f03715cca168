/* The peer: one process that owns regions and attachments and obeys commands, one per line:
 *   map SIZE                      -> ok INDEX        anonymous private memory, region rINDEX
 *   make REGION NAME|- MODE       -> ok SEGID        xemem_make_named (NAME) or xpmem_make (-) of a region
 *   make-all MODE                 -> ok SEGID        xpmem_make(NULL, XPMEM_MAXADDR_SIZE): the whole address
 * space addr REGION                   -> ok ADDRESS      where a region is (for attaching a whole-space
 * segment) lookup NAME                   -> ok SEGID get SEGID rw|ro               -> ok APID attach APID
 * OFFSET SIZE [PAGE] -> ok INDEX       attachment aINDEX; PAGE: segment page of its start for fill/verify
 * (default OFFSET / 4096) fill AREA FIRST COUNT TAG     -> ok              writes (TAG << 32 | segment page)
 * at each page's start verify AREA FIRST COUNT TAG   -> ok | bad ... probe-read|probe-write AREA PAGE -> ok
 * SIGNAL CODE (0 0: no signal) mprotect-rw AREA              -> ok | err ERRNO detach AREA | release APID |
 * remove SEGID     -> ok | err ERRNO cycle SEGID PAGES TAG         -> ok              get, attach, verify,
 * write, detach, release in one go fork-hold / fork-end          -> ok              a child that keeps the
 * parent's pages / end them all exit AREA is rN (own region) or aN (attachment). Failing library calls answer
 * "err ERRNO". */
#define _GNU_SOURCE
#include "xemem_test.h"

#include <xemem.h>

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_AREAS 8

struct area {
    char* base;
    uint64_t size;
    uint64_t first_page; /* the segment's page number of base: what fill and verify write and expect */
};

static struct area regions[MAX_AREAS], attachments[MAX_AREAS];
static int nregions, nattachments;
static pid_t held_children[MAX_AREAS];
static int held_pipes[MAX_AREAS];
static int nheld;

static sigjmp_buf probe_jump;
static volatile sig_atomic_t probe_signal, probe_code;

static void probe_handler(int sig, siginfo_t* info, void* context) {
    (void)context;
    probe_signal = sig;
    probe_code = info->si_code;
    siglongjmp(probe_jump, 1);
}

static struct area* find_area(const char* name) {
    char* end = NULL;
    long index = strtol(name + 1, &end, 10);
    if (*end != '\0' || index < 0)
        return NULL;
    if (name[0] == 'r' && index < nregions)
        return &regions[index];
    if (name[0] == 'a' && index < nattachments)
        return &attachments[index];
    return NULL;
}

static uint64_t word(uint64_t tag, uint64_t page) {
    return tag << 32 | page;
}

static int reply(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
static int reply(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);
    putchar('\n');
    fflush(stdout);
    return 0;
}

static int reply_errno(void) {
    return reply("err %d", errno);
}

static int probe(struct area* a, uint64_t page, int write) {
    struct sigaction action, old_segv, old_bus;
    memset(&action, 0, sizeof(action));
    action.sa_sigaction = probe_handler;
    action.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &action, &old_segv);
    sigaction(SIGBUS, &action, &old_bus);
    probe_signal = 0;
    probe_code = 0;
    volatile uint64_t* p = (volatile uint64_t*)(a->base + page * PAGE);
    if (sigsetjmp(probe_jump, 1) == 0) {
        if (write)
            *p = word(0xdead, page);
        else
            (void)*p;
    }
    sigaction(SIGSEGV, &old_segv, NULL);
    sigaction(SIGBUS, &old_bus, NULL);
    return reply("ok %d %d", (int)probe_signal, (int)probe_code);
}

static int fill(struct area* a, uint64_t first, uint64_t count, uint64_t tag) {
    for (uint64_t page = first; page < first + count; ++page)
        *(volatile uint64_t*)(a->base + page * PAGE) = word(tag, a->first_page + page);
    return reply("ok");
}

static int verify(struct area* a, uint64_t first, uint64_t count, uint64_t tag) {
    for (uint64_t page = first; page < first + count; ++page) {
        uint64_t got = *(volatile uint64_t*)(a->base + page * PAGE);
        uint64_t expected = word(tag, a->first_page + page);
        if (got != expected)
            return reply("bad page %" PRIu64 ": 0x%" PRIx64 ", expected 0x%" PRIx64, page, got, expected);
    }
    return reply("ok");
}

/* One get/attach/verify/write/detach/release cycle of the 1,000-cycle test. */
static int cycle(int64_t segid, uint64_t pages, uint64_t tag) {
    xpmem_apid_t apid = xpmem_get(segid, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL);
    if (apid < 0)
        return reply_errno();
    struct xpmem_addr addr = {.apid = apid, .offset = 0};
    volatile uint64_t* p = xpmem_attach(addr, pages * PAGE, NULL);
    if (p == (void*)-1)
        return reply_errno();
    for (uint64_t page = 0; page < pages; ++page) {
        if (p[page * PAGE / 8] != word(tag, page))
            return reply("bad page %" PRIu64, page);
        p[page * PAGE / 8] = word(tag + 1, page);
    }
    if (xpmem_detach((void*)p) != 0 || xpmem_release(apid) != 0)
        return reply_errno();
    return reply("ok");
}

/* A child of this process (which has /dev/xemem open already) gets, attaches and reads the segment: the
 * library must open the device again in the child, since the module refuses the parent's descriptor there. */
static int fork_get(int64_t segid, uint64_t pages, uint64_t tag) {
    fflush(stdout);
    pid_t child = fork();
    if (child < 0)
        return reply_errno();
    if (child == 0) {
        xpmem_apid_t apid = xpmem_get(segid, XPMEM_RDONLY, XPMEM_PERMIT_MODE, NULL);
        struct xpmem_addr addr = {.apid = apid, .offset = 0};
        volatile uint64_t* p = apid < 0 ? (void*)-1 : xpmem_attach(addr, pages * PAGE, NULL);
        if (p == (void*)-1)
            _exit(10 + errno);
        for (uint64_t page = 0; page < pages; ++page)
            if (p[page * PAGE / 8] != word(tag, page))
                _exit(2);
        _exit(xpmem_detach((void*)p) == 0 && xpmem_release(apid) == 0 ? 0 : 3);
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return reply("bad child status %d", status);
    return reply("ok");
}

static int fork_hold(void) {
    int fds[2];
    if (pipe(fds) != 0)
        return reply_errno();
    if (nheld == MAX_AREAS)
        return reply("bad too many children");
    pid_t child = fork();
    if (child < 0)
        return reply_errno();
    if (child == 0) { /* keeps the parent's pages (copy-on-write) until the pipe closes */
        close(fds[1]);
        char c;
        while (read(fds[0], &c, 1) > 0)
            ;
        _exit(0);
    }
    close(fds[0]);
    held_children[nheld] = child;
    held_pipes[nheld++] = fds[1];
    return reply("ok %d", (int)child);
}

static int fork_end(void) {
    if (nheld == 0)
        return reply("bad no child");
    int bad = 0;
    for (; nheld > 0; --nheld) {
        close(held_pipes[nheld - 1]);
        int status = 0;
        waitpid(held_children[nheld - 1], &status, 0);
        bad |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    }
    return bad ? reply("bad child status") : reply("ok");
}

static int command(char* line) {
    char op[32] = "", a1[96] = "", a2[96] = "", a3[96] = "", a4[96] = "";
    int n = sscanf(line, "%31s %95s %95s %95s %95s", op, a1, a2, a3, a4);
    if (n < 1)
        return reply("bad empty command");
    struct area* area = n >= 2 ? find_area(a1) : NULL;
    if (strcmp(op, "map") == 0) {
        uint64_t size = strtoull(a1, NULL, 0);
        void* p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED || nregions == MAX_AREAS)
            return reply_errno();
        regions[nregions] = (struct area){p, size, 0};
        return reply("ok %d", nregions++);
    }
    if (strcmp(op, "make") == 0 && n == 4 && area != NULL) {
        int mode = (int)strtol(a3, NULL, 8);
        xpmem_segid_t segid = strcmp(a2, "-") == 0 ? xpmem_make(area->base, area->size, XPMEM_PERMIT_MODE,
                                                                (void*)(uintptr_t)mode)
                                                   : xemem_make_named(area->base, area->size, a2, mode);
        return segid < 0 ? reply_errno() : reply("ok %" PRId64, segid);
    }
    if (strcmp(op, "make-all") == 0 && n == 2) {
        uintptr_t mode = (uintptr_t)strtoul(a1, NULL, 8);
        xpmem_segid_t segid = xpmem_make(NULL, XPMEM_MAXADDR_SIZE, XPMEM_PERMIT_MODE, (void*)mode);
        return segid < 0 ? reply_errno() : reply("ok %" PRId64, segid);
    }
    if (strcmp(op, "addr") == 0 && area != NULL)
        return reply("ok %" PRIu64, (uint64_t)(uintptr_t)area->base);
    if (strcmp(op, "lookup") == 0 && n == 2) {
        xpmem_segid_t segid = xemem_lookup(a1);
        return segid < 0 ? reply_errno() : reply("ok %" PRId64, segid);
    }
    if (strcmp(op, "get") == 0 && n == 3) {
        int flags = strcmp(a2, "ro") == 0 ? XPMEM_RDONLY : XPMEM_RDWR;
        xpmem_apid_t apid = xpmem_get(strtoll(a1, NULL, 0), flags, XPMEM_PERMIT_MODE, NULL);
        return apid < 0 ? reply_errno() : reply("ok %" PRId64, apid);
    }
    if (strcmp(op, "attach") == 0 && n >= 4) {
        struct xpmem_addr addr = {.apid = strtoll(a1, NULL, 0), .offset = (off_t)strtoll(a2, NULL, 0)};
        uint64_t size = strtoull(a3, NULL, 0);
        uint64_t first_page = n == 5 ? strtoull(a4, NULL, 0) : (uint64_t)addr.offset / PAGE;
        void* p = xpmem_attach(addr, size, NULL);
        if (p == (void*)-1 || nattachments == MAX_AREAS)
            return reply_errno();
        attachments[nattachments] = (struct area){p, size, first_page};
        return reply("ok %d", nattachments++);
    }
    if ((strcmp(op, "fill") == 0 || strcmp(op, "verify") == 0) && n == 5 && area != NULL) {
        uint64_t first = strtoull(a2, NULL, 0), count = strtoull(a3, NULL, 0), tag = strtoull(a4, NULL, 0);
        if ((first + count) * PAGE > area->size)
            return reply("bad range");
        return op[0] == 'f' ? fill(area, first, count, tag) : verify(area, first, count, tag);
    }
    if ((strcmp(op, "probe-read") == 0 || strcmp(op, "probe-write") == 0) && n == 3 && area != NULL)
        return probe(area, strtoull(a2, NULL, 0), op[6] == 'w');
    if (strcmp(op, "mprotect-rw") == 0 && area != NULL)
        return mprotect(area->base, area->size, PROT_READ | PROT_WRITE) == 0 ? reply("ok") : reply_errno();
    if (strcmp(op, "detach") == 0 && area != NULL)
        return xpmem_detach(area->base) == 0 ? reply("ok") : reply_errno();
    if (strcmp(op, "release") == 0 && n == 2)
        return xpmem_release(strtoll(a1, NULL, 0)) == 0 ? reply("ok") : reply_errno();
    if (strcmp(op, "remove") == 0 && n == 2)
        return xpmem_remove(strtoll(a1, NULL, 0)) == 0 ? reply("ok") : reply_errno();
    if (strcmp(op, "cycle") == 0 && n == 4)
        return cycle(strtoll(a1, NULL, 0), strtoull(a2, NULL, 0), strtoull(a3, NULL, 0));
    if (strcmp(op, "fork-get") == 0 && n == 4)
        return fork_get(strtoll(a1, NULL, 0), strtoull(a2, NULL, 0), strtoull(a3, NULL, 0));
    if (strcmp(op, "fork-hold") == 0)
        return fork_hold();
    if (strcmp(op, "fork-end") == 0)
        return fork_end();
    return reply("bad command '%s'", line);
}

int peer_main(void) {
    char line[512];
    while (fgets(line, sizeof(line), stdin) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line, "exit") == 0)
            return 0;
        command(line);
    }
    return 0; /* the driver went away */
}

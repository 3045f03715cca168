/* SPDX-License-Identifier: MIT */
/*
 * XEMEM's additions to XPMEM's API (xpmem.h): named segments, lookup by
 * name, the list of segments and the module's counters. Same conventions:
 * -1 and errno on failure. docs/xemem.md.
 */
#ifndef XEMEM_XEMEM_H
#define XEMEM_XEMEM_H

#include "xpmem.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Size of a name buffer: names are 1..63 printable ASCII characters, no spaces. */
#define XEMEM_NAME_MAX 64

/* One segment as xemem_list_segments() reports it. */
struct xemem_segment {
    xpmem_segid_t segid;
    uint64_t vaddr; /* in the owner */
    uint64_t size;
    uint32_t owner_pid; /* thread group id in the initial pid namespace */
    uint32_t owner_uid;
    uint32_t mode;   /* permission bits, e.g. 0600 */
    uint32_t domain; /* 0: Linux, 1 + N: enclave N */
    uint32_t gets;   /* apids outstanding */
    uint32_t attachments;
    char name[XEMEM_NAME_MAX]; /* "" when unnamed */
};

/* Module-wide counters: after every process using XEMEM has exited, all the
 * "live" ones are 0. */
struct xemem_counters {
    uint64_t segments;     /* live segments */
    uint64_t apids;        /* live apids */
    uint64_t attachments;  /* live attachments */
    uint64_t pinned_pages; /* pages pinned right now */
    uint64_t pins_total;
    uint64_t unpins_total;
    uint64_t faults_total;        /* attacher faults served */
    uint64_t invalidations_total; /* owner-side invalidations seen */
};

/* xpmem_make() with a name other processes can look up; mode like 0600.
 * EEXIST if the name is taken. */
xpmem_segid_t xemem_make_named(void* vaddr, size_t size, const char* name, int mode);
/* The segment id of a named segment; ENOENT if there is none. */
xpmem_segid_t xemem_lookup(const char* name);
/* Copies up to capacity segments to segments[]; returns how many there are
 * in total (may be more than capacity), or -1. */
int xemem_list_segments(struct xemem_segment* segments, size_t capacity);
/* Reads the module's counters. 0 or -1. */
int xemem_read_counters(struct xemem_counters* counters);
/* The device the library opens: $XEMEM_DEVICE if set, else /dev/xemem. */
const char* xemem_device_path(void);

#ifdef __cplusplus
}
#endif

#endif /* XEMEM_XEMEM_H */

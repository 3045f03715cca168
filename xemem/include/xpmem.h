/* SPDX-License-Identifier: MIT */
/*
 * XPMEM's user API, provided by libxemem on top of /dev/xemem (cokernel.ko).
 * A program written for XPMEM includes this header unchanged and links with
 * -lxpmem (an alias of -lxemem); types, constants and calling conventions are
 * XPMEM's: functions return -1 (xpmem_attach: (void *)-1) and set errno.
 * Semantics and limits: docs/xemem.md.
 */
#ifndef XEMEM_XPMEM_H
#define XEMEM_XPMEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int64_t xpmem_segid_t; /* from xpmem_make(): a segment */
typedef int64_t xpmem_apid_t;  /* from xpmem_get(): an access permit */

/* What xpmem_attach() maps: a page-aligned offset into the apid's segment. */
struct xpmem_addr {
    xpmem_apid_t apid;
    off_t offset;
};

/* xpmem_make(NULL, XPMEM_MAXADDR_SIZE, ...) exports the whole address space. */
#define XPMEM_MAXADDR_SIZE SIZE_MAX

/* xpmem_get() flags */
#define XPMEM_RDONLY 0x1
#define XPMEM_RDWR 0x2

/* permit_type of xpmem_make() and xpmem_get(); the permit value is a mode like 0600 */
#define XPMEM_PERMIT_MODE 0x1

/* The service's protocol version (XEMEM: major.minor as 16.16), or -1. */
int xpmem_version(void);
/* Opens the device; optional, every call opens it on first use. 0 or -1. */
int xpmem_init(void);

/* Exports [vaddr, vaddr + size) of the calling process; vaddr and size page
 * aligned; permit_value is the mode, (void *)0600. The segment id or -1. */
xpmem_segid_t xpmem_make(void* vaddr, size_t size, int permit_type, void* permit_value);
int xpmem_remove(xpmem_segid_t segid);

/* Access to a segment: flags XPMEM_RDWR or XPMEM_RDONLY, permit_type
 * XPMEM_PERMIT_MODE, permit_value NULL. The apid or -1 (EACCES: mode, uid). */
xpmem_apid_t xpmem_get(xpmem_segid_t segid, int flags, int permit_type, void* permit_value);
int xpmem_release(xpmem_apid_t apid);

/* Maps size bytes at addr.offset of the segment (size rounded up to pages);
 * vaddr NULL lets the kernel choose, otherwise a fixed page-aligned address.
 * The address or (void *)-1. */
void* xpmem_attach(struct xpmem_addr addr, size_t size, void* vaddr);
/* Unmaps the attachment that contains vaddr. */
int xpmem_detach(void* vaddr);

#ifdef __cplusplus
}
#endif

#endif /* XEMEM_XPMEM_H */

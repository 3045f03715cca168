/* SPDX-License-Identifier: MIT */
/* libxemem's internals: the device, the argument checks, test hooks. */
#ifndef XEMEM_INTERNAL_H
#define XEMEM_INTERNAL_H

#include "xemem.h"

#include <cokernel/xemem.h>

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The shared library exports the public API only (built with -fvisibility=hidden). */
#define XEMEM_API __attribute__((visibility("default")))

/* ioctl on the device, opened on first use and again in a forked child.
 * Returns what ioctl returns; -1 with errno when the device cannot be opened. */
int xemem_ioctl(unsigned long request, void* arg);

/* Fills the header every request starts with. */
void xemem_hdr(struct cokernel_hdr* hdr, size_t size);

/* Argument checks: 0 when valid, else the errno value to fail with. They run
 * before any ioctl; the module checks everything again. */
int xemem_check_export(uint64_t vaddr, uint64_t size, uint64_t mode);
int xemem_check_name(const char* name);
int xemem_check_id(int64_t id);
int xemem_check_get(int flags, int permit_type, const void* permit_value);
/* On success *rounded_size is size rounded up to whole pages (XPMEM does the same). */
int xemem_check_attach(int64_t apid, int64_t offset, uint64_t size, uint64_t vaddr, uint64_t* rounded_size);

/* Sets errno to err and returns -1. */
int xemem_fail(int err);

/* For the unit tests: every request goes to fn instead of ioctl(2) (NULL:
 * back to ioctl), and the device is closed so that the next call opens
 * $XEMEM_DEVICE again. Hidden in the shared library. */
typedef int (*xemem_ioctl_fn)(int fd, unsigned long request, void* arg);
void xemem_test_set_ioctl(xemem_ioctl_fn fn);
void xemem_test_close_device(void);

#ifdef __cplusplus
}
#endif

#endif /* XEMEM_INTERNAL_H */

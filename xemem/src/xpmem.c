/* SPDX-License-Identifier: MIT */
/* XPMEM's user API as requests to /dev/xemem. */
#include "internal.h"

#include <errno.h>
#include <string.h>

void xemem_hdr(struct cokernel_hdr* hdr, size_t size) {
    hdr->signature = COKERNEL_SIGNATURE;
    hdr->revision = COKERNEL_XEMEM_REVISION;
    hdr->size = (ck_u16)size;
}

XEMEM_API int xpmem_version(void) {
    struct xemem_version req;
    memset(&req, 0, sizeof(req));
    xemem_hdr(&req.hdr, sizeof(req));
    if (xemem_ioctl(XEMEM_IOC_VERSION, &req) < 0)
        return -1;
    return (int)req.version;
}

/* xpmem_make and xemem_make_named: name NULL for an unnamed segment. */
static xpmem_segid_t make(void* vaddr, size_t size, uint64_t mode, const char* name) {
    int err = xemem_check_export((uint64_t)(uintptr_t)vaddr, size, mode);
    if (err == 0 && name != NULL)
        err = xemem_check_name(name);
    if (err != 0)
        return xemem_fail(err);
    struct xemem_make req;
    memset(&req, 0, sizeof(req));
    xemem_hdr(&req.hdr, sizeof(req));
    req.vaddr = (uint64_t)(uintptr_t)vaddr;
    req.size = size;
    req.permit_type = XEMEM_PERMIT_MODE;
    req.permit_value = (ck_u32)mode;
    if (name != NULL)
        memcpy(req.name, name, strlen(name));
    if (xemem_ioctl(XEMEM_IOC_MAKE, &req) < 0)
        return -1;
    return req.segid;
}

XEMEM_API xpmem_segid_t xpmem_make(void* vaddr, size_t size, int permit_type, void* permit_value) {
    if (permit_type != XPMEM_PERMIT_MODE)
        return xemem_fail(EINVAL);
    return make(vaddr, size, (uint64_t)(uintptr_t)permit_value, NULL);
}

XEMEM_API xpmem_segid_t xemem_make_named(void* vaddr, size_t size, const char* name, int mode) {
    if (mode < 0)
        return xemem_fail(EINVAL);
    if (name == NULL)
        return xemem_fail(EINVAL);
    return make(vaddr, size, (uint64_t)mode, name);
}

XEMEM_API int xpmem_remove(xpmem_segid_t segid) {
    int err = xemem_check_id(segid);
    if (err != 0)
        return xemem_fail(err);
    struct xemem_remove req;
    memset(&req, 0, sizeof(req));
    xemem_hdr(&req.hdr, sizeof(req));
    req.segid = segid;
    return xemem_ioctl(XEMEM_IOC_REMOVE, &req) < 0 ? -1 : 0;
}

XEMEM_API xpmem_apid_t xpmem_get(xpmem_segid_t segid, int flags, int permit_type, void* permit_value) {
    int err = xemem_check_id(segid);
    if (err == 0)
        err = xemem_check_get(flags, permit_type, permit_value);
    if (err != 0)
        return xemem_fail(err);
    struct xemem_get req;
    memset(&req, 0, sizeof(req));
    xemem_hdr(&req.hdr, sizeof(req));
    req.segid = segid;
    req.flags = (ck_u32)flags;
    if (xemem_ioctl(XEMEM_IOC_GET, &req) < 0)
        return -1;
    return req.apid;
}

XEMEM_API int xpmem_release(xpmem_apid_t apid) {
    int err = xemem_check_id(apid);
    if (err != 0)
        return xemem_fail(err);
    struct xemem_release req;
    memset(&req, 0, sizeof(req));
    xemem_hdr(&req.hdr, sizeof(req));
    req.apid = apid;
    return xemem_ioctl(XEMEM_IOC_RELEASE, &req) < 0 ? -1 : 0;
}

XEMEM_API void* xpmem_attach(struct xpmem_addr addr, size_t size, void* vaddr) {
    uint64_t rounded = 0;
    int err = xemem_check_attach(addr.apid, addr.offset, size, (uint64_t)(uintptr_t)vaddr, &rounded);
    if (err != 0) {
        errno = err;
        return (void*)-1;
    }
    struct xemem_attach req;
    memset(&req, 0, sizeof(req));
    xemem_hdr(&req.hdr, sizeof(req));
    req.apid = addr.apid;
    req.offset = (uint64_t)addr.offset;
    req.size = rounded;
    req.vaddr = (uint64_t)(uintptr_t)vaddr;
    if (xemem_ioctl(XEMEM_IOC_ATTACH, &req) < 0)
        return (void*)-1;
    return (void*)(uintptr_t)req.addr;
}

XEMEM_API int xpmem_detach(void* vaddr) {
    struct xemem_detach req;
    memset(&req, 0, sizeof(req));
    xemem_hdr(&req.hdr, sizeof(req));
    req.vaddr = (uint64_t)(uintptr_t)vaddr;
    return xemem_ioctl(XEMEM_IOC_DETACH, &req) < 0 ? -1 : 0;
}

/* SPDX-License-Identifier: MIT */
/* XEMEM's additions: lookup by name, the segment list, the counters. */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

XEMEM_API xpmem_segid_t xemem_lookup(const char* name) {
    int err = xemem_check_name(name);
    if (err != 0)
        return xemem_fail(err);
    struct xemem_lookup req;
    memset(&req, 0, sizeof(req));
    xemem_hdr(&req.hdr, sizeof(req));
    memcpy(req.name, name, strlen(name));
    if (xemem_ioctl(XEMEM_IOC_LOOKUP, &req) < 0)
        return -1;
    return req.segid;
}

static void copy_segment(struct xemem_segment* out, const struct xemem_segment_info* in) {
    memset(out, 0, sizeof(*out));
    out->segid = in->segid;
    out->vaddr = in->vaddr;
    out->size = in->size;
    out->owner_pid = in->owner_pid;
    out->owner_uid = in->owner_uid;
    out->mode = in->mode;
    out->domain = in->domain;
    out->gets = in->gets;
    out->attachments = in->attachments;
    memcpy(out->name, in->name, sizeof(out->name) - 1); /* the module terminates it; we make sure */
}

XEMEM_API int xemem_list_segments(struct xemem_segment* segments, size_t capacity) {
    if (segments == NULL && capacity != 0)
        return xemem_fail(EINVAL);
    if (capacity > INT_MAX)
        capacity = INT_MAX;
    struct xemem_segment_info* infos = NULL;
    if (capacity != 0) {
        infos = calloc(capacity, sizeof(*infos));
        if (infos == NULL)
            return xemem_fail(ENOMEM);
    }
    struct xemem_list req;
    memset(&req, 0, sizeof(req));
    xemem_hdr(&req.hdr, sizeof(req));
    req.capacity = (ck_u32)capacity;
    req.entries = (uint64_t)(uintptr_t)infos;
    if (xemem_ioctl(XEMEM_IOC_LIST, &req) < 0) {
        int err = errno;
        free(infos);
        return xemem_fail(err);
    }
    size_t copied = req.count < capacity ? req.count : capacity;
    for (size_t i = 0; i < copied; ++i)
        copy_segment(&segments[i], &infos[i]);
    free(infos);
    if (req.count > INT_MAX)
        return xemem_fail(EOVERFLOW);
    return (int)req.count;
}

XEMEM_API int xemem_read_counters(struct xemem_counters* counters) {
    if (counters == NULL)
        return xemem_fail(EINVAL);
    struct xemem_stats req;
    memset(&req, 0, sizeof(req));
    xemem_hdr(&req.hdr, sizeof(req));
    if (xemem_ioctl(XEMEM_IOC_STATS, &req) < 0)
        return -1;
    counters->segments = req.segments;
    counters->apids = req.apids;
    counters->attachments = req.attachments;
    counters->pinned_pages = req.pinned_pages;
    counters->pins_total = req.pins_total;
    counters->unpins_total = req.unpins_total;
    counters->faults_total = req.faults_total;
    counters->invalidations_total = req.invalidations_total;
    return 0;
}

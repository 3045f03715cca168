/* SPDX-License-Identifier: MIT */
/* Argument checks done in the library before any request reaches the module. */
#include "internal.h"

#include <errno.h>
#include <unistd.h>

/* Highest user address any x86-64 process can have (5-level paging); the
 * module checks the calling process's real limit. */
#define USER_LIMIT ((1ull << 56) - 4096)

static uint64_t page_size(void) {
    long size = sysconf(_SC_PAGESIZE);
    return size > 0 ? (uint64_t)size : 4096u;
}

static int aligned(uint64_t value) {
    return (value & (page_size() - 1)) == 0;
}

/* [start, start + size) lies below USER_LIMIT without wrapping around. */
static int in_user_space(uint64_t start, uint64_t size) {
    return start <= USER_LIMIT && size <= USER_LIMIT - start;
}

int xemem_fail(int err) {
    errno = err;
    return -1;
}

int xemem_check_export(uint64_t vaddr, uint64_t size, uint64_t mode) {
    if ((mode & ~(uint64_t)XEMEM_MODE_ALL) != 0)
        return EINVAL;
    if (size == XEMEM_MAXADDR) /* the whole address space */
        return vaddr == 0 ? 0 : EINVAL;
    if (size == 0 || !aligned(vaddr) || !aligned(size) || !in_user_space(vaddr, size))
        return EINVAL;
    return 0;
}

int xemem_check_name(const char* name) {
    if (name == NULL || name[0] == '\0')
        return EINVAL;
    for (size_t i = 0; name[i] != '\0'; ++i) {
        if (i + 1 >= XEMEM_NAME_LEN)
            return ENAMETOOLONG;
        if (name[i] <= ' ' || name[i] > '~')
            return EINVAL;
    }
    return 0;
}

int xemem_check_id(int64_t id) {
    return id > 0 ? 0 : EINVAL;
}

int xemem_check_get(int flags, int permit_type, const void* permit_value) {
    if (flags != XPMEM_RDONLY && flags != XPMEM_RDWR)
        return EINVAL;
    (void)permit_value; /* ignored, as by XPMEM's own libraries: callers pass the make mode there too */
    if (permit_type != XPMEM_PERMIT_MODE)
        return EINVAL;
    return 0;
}

int xemem_check_attach(int64_t apid, int64_t offset, uint64_t size, uint64_t vaddr, uint64_t* rounded_size) {
    if (apid <= 0 || offset < 0 || !aligned((uint64_t)offset) || size == 0 || !aligned(vaddr))
        return EINVAL;
    uint64_t page = page_size();
    if (size > UINT64_MAX - (page - 1))
        return EINVAL;
    uint64_t rounded = (size + page - 1) & ~(page - 1);
    if (!in_user_space((uint64_t)offset, rounded)) /* no segment reaches beyond user space */
        return EINVAL;
    if (vaddr != 0 && !in_user_space(vaddr, rounded))
        return EINVAL;
    *rounded_size = rounded;
    return 0;
}

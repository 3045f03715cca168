/* An XPMEM program as MPI libraries write one, built against the installed libxemem by check-install. Without
 * a device (XEMEM_DEVICE=/nonexistent) it must see XPMEM's failure conventions. */
#include <xpmem.h>

#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>

int main(void) {
    int version = xpmem_version();
    int version_errno = errno;
    xpmem_segid_t segid = xpmem_make(0, XPMEM_MAXADDR_SIZE, XPMEM_PERMIT_MODE, (void*)0666);
    int make_errno = errno;
    struct xpmem_addr addr = {.apid = 0, .offset = 0};
    void* at = xpmem_attach(addr, 4096, NULL);
    printf("version %d %d make %lld %d attach %s %d\n", version, version_errno, (long long)segid, make_errno,
           at == MAP_FAILED ? "MAP_FAILED" : "mapped", errno);
    return 0;
}

// A /dev/cokernel request with its header filled in (signature, COKERNEL_ABI_REVISION, size), for the QEMU
// test programs that talk to the module directly (ckctl, job_file).
#pragma once

#include <cokernel/abi.h>

template <class T>
T cokernel_request() {
    T t{};
    t.hdr.signature = COKERNEL_SIGNATURE;
    t.hdr.revision = COKERNEL_ABI_REVISION;
    t.hdr.size = sizeof(T);
    return t;
}

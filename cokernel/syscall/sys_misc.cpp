// The rest of the native syscalls (docs/run.md, "What is native"): uname as Linux answered it at job start,
// getrandom from RDRAND, sched_yield.
#include "cpu.hpp"
#include "errno.hpp"
#include "handlers.hpp"
#include "mem.hpp"
#include "process.hpp"
#include "thread.hpp"

namespace ck {
namespace {

bool has_rdrand() {
    return (arch::cpuid(1).c & (1u << 30)) != 0;
}

} // namespace

SysRet sys_uname(Thread& self, const Syscall& call) {
    const Process& p = *self.process;
    uint8_t* out = p.mem.ptr(call.arg[0], sizeof p.utsname);
    if (out == nullptr) {
        return -EFAULT;
    }
    memcpy(out, p.utsname, sizeof p.utsname);
    return 0;
}

// From RDRAND; to the proxy on a CPU without it or when RDRAND keeps failing.
SysRet sys_getrandom(Thread& self, const Syscall& call) {
    static const bool rdrand = has_rdrand();
    if (!rdrand) {
        return SysRet::to_proxy();
    }
    uint64_t len = call.arg[1];
    if (len > 33554431) {
        len = 33554431; // Linux returns at most this much per call
    }
    uint8_t* p = self.process->mem.ptr(call.arg[0], len);
    if (p == nullptr) {
        return len == 0 ? 0 : -EFAULT;
    }
    for (uint64_t done = 0; done < len;) {
        uint64_t v = 0;
        uint8_t ok = 0;
        for (int tries = 0; tries < 10 && ok == 0; ++tries) {
            asm volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
        }
        if (ok == 0) {
            return SysRet::to_proxy();
        }
        const uint64_t n = len - done < 8 ? len - done : 8;
        memcpy(p + done, &v, n);
        done += n;
    }
    return static_cast<int64_t>(len);
}

} // namespace ck

// Residency of the job's memory (docs/run.md, "What is native"): every page in use is backed and mapped
// from the start and never paged out, so mlock and mlockall have nothing to do and mincore says 1 for
// every page in use; msync has no file to write back (file mappings are copies). Each checks its arguments
// as Linux does and gives Linux's errno: an unaligned start EINVAL, a range with a page not in use ENOMEM.
// Locks are not recorded: mlock beyond RLIMIT_MEMLOCK without CAP_IPC_LOCK succeeds (Linux: ENOMEM), and
// msync(MS_INVALIDATE) of locked pages is never EBUSY.
#include "address_space.hpp"
#include "errno.hpp"
#include "handlers.hpp"
#include "mem.hpp"
#include "process.hpp"
#include "thread.hpp"
#include "user_space.hpp"

namespace ck {
namespace {

constexpr uint64_t PAGE = 4096;
constexpr uint64_t MCL_CURRENT = 1, MCL_FUTURE = 2, MCL_ONFAULT = 4, MLOCK_ONFAULT = 1;
constexpr uint64_t MS_ASYNC = 1, MS_INVALIDATE = 2, MS_SYNC = 4;

// mlock, munlock, mlock2: the range widened to whole pages; a wrapping one is EINVAL, an empty one 0, one
// with a page not in use ENOMEM.
int64_t lock_range(const Thread& self, uint64_t start, uint64_t len) {
    const uint64_t offset = start % PAGE;
    if (len > UINT64_MAX - offset) {
        return -EINVAL;
    }
    const uint64_t span = (len + offset + PAGE - 1) & ~(PAGE - 1); // 0 where it wraps, as PAGE_ALIGN
    start -= offset;
    if (span > UINT64_MAX - start) {
        return -EINVAL;
    }
    if (span == 0) {
        return 0;
    }
    const MemGuard guard(self.process->mem);
    return self.process->mem.space.mapped(start, span) ? 0 : -ENOMEM;
}

} // namespace

SysRet sys_mlock(Thread& self, const Syscall& call) {
    return lock_range(self, call.arg[0], call.arg[1]);
}

SysRet sys_munlock(Thread& self, const Syscall& call) {
    return lock_range(self, call.arg[0], call.arg[1]);
}

SysRet sys_mlock2(Thread& self, const Syscall& call) {
    return (call.arg[2] & ~MLOCK_ONFAULT) != 0 ? -EINVAL : lock_range(self, call.arg[0], call.arg[1]);
}

SysRet sys_mlockall(Thread&, const Syscall& call) {
    const uint64_t flags = call.arg[0];
    const bool bad =
        flags == 0 || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) != 0 || flags == MCL_ONFAULT;
    return bad ? -EINVAL : 0;
}

SysRet sys_munlockall(Thread&, const Syscall&) {
    return 0;
}

// Linux's order: start aligned (EINVAL), [start, start + len) in the user half (ENOMEM), then the runs of
// pages in use from start, each written to vec (EFAULT where vec is not writable) until a page not in use
// (ENOMEM, with vec written up to it).
SysRet sys_mincore(Thread& self, const Syscall& call) {
    const uint64_t start = call.arg[0], len = call.arg[1], vec = call.arg[2];
    if (start % PAGE != 0) {
        return -EINVAL;
    }
    if (!user_range_ok(start, len)) {
        return -ENOMEM;
    }
    const uint64_t pages = len / PAGE + (len % PAGE != 0 ? 1 : 0);
    if (!user_range_ok(vec, pages)) {
        return -EFAULT;
    }
    const AddressSpace& m = self.process->mem;
    const MemGuard guard(m);
    uint64_t done = 0; // pages answered
    while (done < pages) {
        const uint64_t run = m.space.run_from(start + done * PAGE, (pages - done) * PAGE) / PAGE;
        if (run == 0) {
            return -ENOMEM;
        }
        if (!m.space.mapped(vec + done, run)) {
            return -EFAULT;
        }
        memset(job_window(vec + done, run), 1, run);
        done += run;
    }
    return 0;
}

SysRet sys_msync(Thread& self, const Syscall& call) {
    const uint64_t start = call.arg[0], flags = call.arg[2];
    uint64_t len = call.arg[1];
    if ((flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) != 0 || start % PAGE != 0 ||
        ((flags & MS_ASYNC) != 0 && (flags & MS_SYNC) != 0)) {
        return -EINVAL;
    }
    len = (len + PAGE - 1) & ~(PAGE - 1);
    if (len > UINT64_MAX - start) {
        return -ENOMEM;
    }
    if (len == 0) {
        return 0;
    }
    const MemGuard guard(self.process->mem);
    return self.process->mem.space.mapped(start, len) ? 0 : -ENOMEM;
}

} // namespace ck

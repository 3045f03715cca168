// A job's system calls (docs/run.md): SYSCALL enters syscall_entry (user.S), which calls syscall_dispatch.
// The co-kernel handles memory, identity, signals-at-start-up and exit itself; everything the syscall table
// (delegation/syscalls.def) marks delegated goes through the channel to the proxy, as do the table's
// `native` entries that are not implemented here yet (time, uname, getrandom: the proxy's policy delegates
// them).
#include "client.hpp"
#include "console.hpp"
#include "cpu.hpp"
#include "job.hpp"
#include "kernel.hpp"
#include "syscall_table.hpp"

namespace ck {
namespace {

constexpr int64_t ENOSYS = 38, EINVAL = 22, ENOMEM = 12, EPERM = 1, ENODEV = 19, EFAULT = 14;
constexpr uint64_t PAGE = 4096;

uint64_t page_up(uint64_t v) {
    return (v + PAGE - 1) & ~(PAGE - 1);
}

int64_t sys_brk(Job& j, uint64_t addr) {
    if (addr < j.brk_start || addr > j.brk_limit) {
        return static_cast<int64_t>(j.brk);
    }
    if (addr > j.brk) {
        memset(user_ptr(j.brk, addr - j.brk), 0, addr - j.brk);
    }
    j.brk = addr;
    return static_cast<int64_t>(j.brk);
}

int64_t sys_mmap(Job& j, uint64_t addr, uint64_t len, uint64_t flags, int64_t fd) {
    constexpr uint64_t MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_FIXED_NOREPLACE = 0x100000;
    if ((flags & MAP_ANONYMOUS) == 0 || fd != -1) {
        return -ENODEV; // files are not mapped in a job yet
    }
    if (len == 0 || len > j.size) {
        return -EINVAL;
    }
    len = page_up(len);
    if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) != 0) {
        uint8_t* p = user_ptr(addr, len);
        if (addr % PAGE != 0 || p == nullptr) {
            return -ENOMEM;
        }
        memset(p, 0, len);
        return static_cast<int64_t>(addr);
    }
    if (j.mmap_top - j.mmap_bottom < len) {
        return -ENOMEM;
    }
    j.mmap_top -= len;
    memset(user_ptr(j.mmap_top, len), 0, len);
    return static_cast<int64_t>(j.mmap_top);
}

int64_t sys_munmap(Job& j, uint64_t addr, uint64_t len) {
    if (addr % PAGE != 0 || len == 0) {
        return -EINVAL;
    }
    if (addr == j.mmap_top) { // the most recent mapping: give it back; others stay allocated
        j.mmap_top += page_up(len);
    }
    return 0;
}

bool zero_out(uint64_t addr, uint64_t len) {
    if (addr == 0) {
        return true;
    }
    uint8_t* p = user_ptr(addr, len);
    if (p == nullptr) {
        return false;
    }
    memset(p, 0, len);
    return true;
}

// Returns true and sets ret when the co-kernel handles nr itself.
bool native(Job& j, uint64_t nr, const uint64_t (&a)[6], int64_t& ret) {
    switch (nr) {
    case 12: // brk
        ret = sys_brk(j, a[0]);
        return true;
    case 9: // mmap
        ret = sys_mmap(j, a[0], a[1], a[3], static_cast<int64_t>(a[4]));
        return true;
    case 11: // munmap
        ret = sys_munmap(j, a[0], a[1]);
        return true;
    case 10: // mprotect: every job page is read/write/execute
    case 28: // madvise
        ret = 0;
        return true;
    case 158:                 // arch_prctl
        if (a[0] == 0x1002) { // ARCH_SET_FS
            if (a[1] >= 0x0000800000000000ULL) {
                ret = -EPERM;
                return true;
            }
            arch::wrmsr(0xc0000100, a[1]);
            ret = 0;
        } else if (a[0] == 0x1003) { // ARCH_GET_FS
            uint8_t* p = user_ptr(a[1], 8);
            const uint64_t fs = arch::rdmsr(0xc0000100);
            ret = p != nullptr ? (memcpy(p, &fs, 8), 0) : -EFAULT;
        } else {
            ret = -EINVAL;
        }
        return true;
    case 218: // set_tid_address
    case 39:  // getpid
    case 186: // gettid
        ret = j.pid;
        return true;
    case 273: // set_robust_list
    case 24:  // sched_yield
        ret = 0;
        return true;
    case 334: // rseq
        ret = -ENOSYS;
        return true;
    case 13: // rt_sigaction: signals are not delivered to jobs yet; the old action reads as SIG_DFL
        ret = zero_out(a[2], 32) ? 0 : -EFAULT;
        return true;
    case 14: // rt_sigprocmask
        ret = zero_out(a[2], a[3] > 128 ? 128 : a[3]) ? 0 : -EFAULT;
        return true;
    case 131: // sigaltstack
        ret = zero_out(a[1], 24) ? 0 : -EFAULT;
        return true;
    case 60:  // exit
    case 231: // exit_group
        job_end(static_cast<int32_t>(a[0] & 0xff), 0);
    case 62:  // kill
    case 200: // tkill
    case 234: // tgkill: to itself (abort, raise) ends the job
    {
        const uint64_t sig = nr == 234 ? a[2] : a[1];
        if (sig == 0) {
            ret = 0;
            return true;
        }
        if (sig > 64) {
            ret = -EINVAL;
            return true;
        }
        kprintf("job: killed itself with signal %lu\n", sig);
        job_end(static_cast<int32_t>(128 + sig), static_cast<uint32_t>(sig));
    }
    default:
        return false;
    }
}

int64_t delegate(Job& j, uint64_t nr, const uint64_t (&a)[6]) {
    const deleg::SyscallInfo* info = deleg::syscall_info(nr);
    if (info == nullptr) {
        return -ENOSYS;
    }
    if (info->policy == deleg::Policy::native_only) {
        static uint8_t reported[deleg::syscall_nr_limit];
        if (nr < deleg::syscall_nr_limit && reported[nr] == 0) {
            reported[nr] = 1;
            kprintf("job: %s is not implemented in the co-kernel yet: -ENOSYS\n", info->name);
        }
        return -ENOSYS;
    }
    if (info->policy == deleg::Policy::denied) {
        return -EPERM;
    }
    ++j.delegated_calls;
    // Wait with interrupts on, so Linux's commands (ping, stop) are still answered.
    return deleg::delegate_call(
        *j.channel, static_cast<uint32_t>(nr), a, [](auto&) {},
        [](auto&) {
            asm volatile("sti; pause; cli" ::: "memory");
            return true;
        });
}

} // namespace
} // namespace ck

extern "C" void syscall_dispatch(arch::Frame* f) {
    ck::Job& j = ck::current_job();
    const uint64_t nr = f->vector;
    const uint64_t a[6] = {f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9};
    int64_t ret = 0;
    if (ck::native(j, nr, a, ret)) {
        ++j.native_calls;
    } else {
        ret = ck::delegate(j, nr, a);
    }
    f->rax = static_cast<uint64_t>(ret);
}

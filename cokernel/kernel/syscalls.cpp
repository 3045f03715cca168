// A job's system calls (docs/run.md): SYSCALL enters syscall_entry (user.S), which calls syscall_dispatch.
// The co-kernel handles memory (mem_syscalls.cpp), identity, signals-at-start-up and exit itself; everything
// the syscall table (delegation/syscalls.def) marks delegated goes through the channel to the proxy, as do
// the table's `native` entries the user asked to delegate (--delegate), and getrandom on a CPU without
// RDRAND.
#include "client.hpp"
#include "console.hpp"
#include "cpu.hpp"
#include "job.hpp"
#include "kernel.hpp"
#include "mem.hpp"
#include "mem_syscalls.hpp"
#include "percpu.hpp"
#include "process.hpp"
#include "syscall_table.hpp"
#include "thread.hpp"

namespace ck {
namespace {

constexpr int64_t ENOSYS = 38, EINVAL = 22, EPERM = 1, EFAULT = 14;

uint8_t* j_ptr(uint64_t va, uint64_t len) {
    return current_thread()->process->mem.ptr(va, len);
}

// Clocks: the proxy read CLOCK_REALTIME, CLOCK_MONOTONIC and the TSC at one instant; the TSC (invariant and
// synchronised across CPUs, as Linux also assumes when it uses it as its clocksource) runs on from there.
uint64_t ns_since(uint64_t tsc_then) {
    const uint64_t khz = boot_params().tsc_khz;
    const uint64_t ticks = arch::rdtsc() - tsc_then;
    return ticks / khz * 1000000u + ticks % khz * 1000000u / khz; // no overflow: ticks % khz < 2^32
}

constexpr uint64_t NS = 1000000000;

// ns of clock clk now; false for clocks a job cannot read.
bool clock_now(const Process& j, uint64_t clk, uint64_t& ns) {
    switch (clk) {
    case 0:  // CLOCK_REALTIME
    case 5:  // CLOCK_REALTIME_COARSE
    case 11: // CLOCK_TAI (no leap-second offset here)
        ns = j.clocks.realtime_ns + ns_since(j.clocks.tsc_base);
        return true;
    case 1: // CLOCK_MONOTONIC
    case 4: // CLOCK_MONOTONIC_RAW
    case 6: // CLOCK_MONOTONIC_COARSE
    case 7: // CLOCK_BOOTTIME
        ns = j.clocks.monotonic_ns + ns_since(j.clocks.tsc_base);
        return true;
    case 2: // CLOCK_PROCESS_CPUTIME_ID: the job owns its CPU, so CPU time is time since its start
    case 3: // CLOCK_THREAD_CPUTIME_ID
        ns = ns_since(j.clocks.start_tsc);
        return true;
    default:
        return false;
    }
}

bool put_pair(uint64_t addr, uint64_t first, uint64_t second) {
    uint8_t* p = j_ptr(addr, 16);
    if (p == nullptr) {
        return false;
    }
    memcpy(p, &first, 8);
    memcpy(p + 8, &second, 8);
    return true;
}

// Spins until clock clk reaches deadline_ns, with interrupts on (Linux's commands are still answered).
void sleep_until(const Process& j, uint64_t clk, uint64_t deadline_ns) {
    uint64_t now = 0;
    while (clock_now(j, clk, now) && now < deadline_ns) {
        arch::pause_interruptible();
    }
}

int64_t sys_clock_nanosleep(const Process& j, uint64_t clk, uint64_t flags, uint64_t req) {
    constexpr uint64_t TIMER_ABSTIME = 1;
    const uint8_t* p = j_ptr(req, 16);
    if (p == nullptr) {
        return -EFAULT;
    }
    int64_t sec = 0;
    int64_t nsec = 0;
    memcpy(&sec, p, 8);
    memcpy(&nsec, p + 8, 8);
    uint64_t now = 0;
    if (sec < 0 || nsec < 0 || static_cast<uint64_t>(nsec) >= NS || clk == 2 || clk == 3 ||
        !clock_now(j, clk, now)) {
        return -EINVAL;
    }
    const uint64_t span = static_cast<uint64_t>(sec) * NS + static_cast<uint64_t>(nsec);
    sleep_until(j, clk, (flags & TIMER_ABSTIME) != 0 ? span : now + span);
    return 0;
}

bool has_rdrand() {
    uint32_t a = 1, b = 0, c = 0, d = 0;
    asm volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
    return (c & (1u << 30)) != 0;
}

// getrandom from RDRAND; false (delegate) on a CPU without it or when RDRAND keeps failing.
bool sys_getrandom(uint64_t buf, uint64_t len, int64_t& ret) {
    static const bool rdrand = has_rdrand();
    if (!rdrand) {
        return false;
    }
    if (len > 33554431) {
        len = 33554431; // Linux returns at most this much per call
    }
    uint8_t* p = j_ptr(buf, len);
    if (p == nullptr) {
        ret = len == 0 ? 0 : -EFAULT;
        return true;
    }
    for (uint64_t done = 0; done < len;) {
        uint64_t v = 0;
        uint8_t ok = 0;
        for (int tries = 0; tries < 10 && ok == 0; ++tries) {
            asm volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
        }
        if (ok == 0) {
            return false;
        }
        const uint64_t n = len - done < 8 ? len - done : 8;
        memcpy(p + done, &v, n);
        done += n;
    }
    ret = static_cast<int64_t>(len);
    return true;
}

bool zero_out(uint64_t addr, uint64_t len) {
    if (addr == 0) {
        return true;
    }
    uint8_t* p = j_ptr(addr, len);
    if (p == nullptr) {
        return false;
    }
    memset(p, 0, len);
    return true;
}

// Returns true and sets ret when the co-kernel handles nr itself.
bool native(Process& j, uint64_t nr, const uint64_t (&a)[6], int64_t& ret) {
    switch (nr) {
    case 12: // brk
        ret = sys_brk(a[0]);
        return true;
    case 9: // mmap (Linux ignores fd for anonymous mappings)
        ret = sys_mmap(a[0], a[1], a[2], a[3], a[5]);
        return true;
    case 11: // munmap
        ret = sys_munmap(a[0], a[1]);
        return true;
    case 25: // mremap
        ret = sys_mremap(a[0], a[1], a[2], a[3], a[4]);
        return true;
    case 10: // mprotect
        ret = sys_mprotect(a[0], a[1], a[2]);
        return true;
    case 28: // madvise
        ret = sys_madvise(a[0], a[1], a[2]);
        return true;
    case 158:                 // arch_prctl
        if (a[0] == 0x1002) { // ARCH_SET_FS
            if (a[1] >= 0x0000800000000000ULL) {
                ret = -EPERM;
                return true;
            }
            current_thread()->fs_base = a[1];
            arch::wrmsr(0xc0000100, a[1]);
            ret = 0;
        } else if (a[0] == 0x1003) { // ARCH_GET_FS
            uint8_t* p = j_ptr(a[1], 8);
            const uint64_t fs = arch::rdmsr(0xc0000100);
            ret = p != nullptr ? (memcpy(p, &fs, 8), 0) : -EFAULT;
        } else {
            ret = -EINVAL;
        }
        return true;
    case 218: // set_tid_address
    case 39:  // getpid
    case 186: // gettid
        ret = j.id.pid;
        return true;
    case 228: { // clock_gettime
        uint64_t ns = 0;
        ret = !clock_now(j, a[0], ns) ? -EINVAL : put_pair(a[1], ns / NS, ns % NS) ? 0 : -EFAULT;
        return true;
    }
    case 229: // clock_getres
        ret = a[0] > 11 ? -EINVAL : a[1] == 0 || put_pair(a[1], 0, 1) ? 0 : -EFAULT;
        return true;
    case 96: { // gettimeofday
        uint64_t ns = 0;
        (void)clock_now(j, 0, ns);
        ret = a[0] == 0 || put_pair(a[0], ns / NS, ns % NS / 1000) ? 0 : -EFAULT;
        if (ret == 0 && !zero_out(a[1], 8)) {
            ret = -EFAULT;
        }
        return true;
    }
    case 201: { // time
        uint64_t ns = 0;
        (void)clock_now(j, 0, ns);
        const uint64_t sec = ns / NS;
        uint8_t* p = a[0] != 0 ? j_ptr(a[0], 8) : nullptr;
        if (p != nullptr) {
            memcpy(p, &sec, 8);
        }
        ret = a[0] != 0 && p == nullptr ? -EFAULT : static_cast<int64_t>(sec);
        return true;
    }
    case 35: // nanosleep
        ret = sys_clock_nanosleep(j, 1, 0, a[0]);
        return true;
    case 230: // clock_nanosleep (returns the error, not -1/errno)
        ret = sys_clock_nanosleep(j, a[0], a[1], a[2]);
        return true;
    case 63: { // uname
        uint8_t* p = j_ptr(a[0], sizeof j.utsname);
        ret = p != nullptr ? (memcpy(p, j.utsname, sizeof j.utsname), 0) : -EFAULT;
        return true;
    }
    case 318: // getrandom
        return sys_getrandom(a[0], a[1], ret);
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

int64_t delegate(Thread& t, uint64_t nr, const uint64_t (&a)[6]) {
    Process& j = *t.process;
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
    ++j.calls.delegated;
    // Wait with interrupts on, so Linux's commands (ping, stop) are still answered.
    return deleg::delegate_call(
        t.channel, static_cast<uint32_t>(nr), a,
        [](auto& requests) {
            if (requests.consumer_may_sleep()) {
                notify_linux(); // the proxy waits in COKERNEL_IOC_JOB_WAIT
            }
        },
        [](auto&) {
            arch::pause_interruptible();
            return true;
        });
}

} // namespace
} // namespace ck

extern "C" void syscall_dispatch(arch::Frame* f) {
    ck::Thread& t = *ck::current_thread();
    ck::Process& j = *t.process;
    const uint64_t nr = f->vector;
    const uint64_t a[6] = {f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9};
    int64_t ret = 0;
    const bool bit_ok = nr < COKERNEL_JOB_NR_LIMIT;
    if (bit_ok && (j.policy.deny[nr / 8] & (1u << (nr % 8))) != 0) {
        ret = -ck::EPERM; // --deny
    } else if (bit_ok && (j.policy.delegate_native[nr / 8] & (1u << (nr % 8))) != 0) {
        ret = ck::delegate(t, nr, a); // --delegate
    } else if (ck::native(j, nr, a, ret)) {
        ++j.calls.native;
    } else {
        ret = ck::delegate(t, nr, a);
    }
    f->rax = static_cast<uint64_t>(ret);
}

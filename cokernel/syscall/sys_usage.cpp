// What the job has used (docs/run.md, "What is native"): getrusage and times from its threads' CPU time
// (proc/cpu_time.hpp: no user/system split, all of it is user time) and the memory in use in its job space
// (every page in use is resident: ru_maxrss is the memory in use now, not a peak). No page faults, swaps,
// block I/O of its own or context switches are counted (their fields are 0); it has no children. sysinfo
// describes the enclave as the job has it: its memory (sysconf(_SC_PHYS_PAGES), _SC_AVPHYS_PAGES), its
// threads, Linux's uptime.
#include "clocks.hpp"
#include "cpu_time.hpp"
#include "errno.hpp"
#include "handlers.hpp"
#include "mem.hpp"
#include "process.hpp"
#include "thread.hpp"

namespace ck {
namespace {

constexpr int32_t RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1, RUSAGE_THREAD = 1;
constexpr uint64_t RUSAGE_SIZE = 144, TMS_SIZE = 32;
constexpr uint64_t USER_HZ = 100; // times()'s clock ticks, on every x86-64 Linux
// The kernel tick of Debian's kernels (CONFIG_HZ=250): times() counts from Linux's INITIAL_JIFFIES, 300 s of
// ticks before 2^32, so that its value is the one Linux gives at the same moment.
constexpr uint64_t LINUX_HZ = 250;
constexpr uint64_t INITIAL_TICKS = ((uint64_t{1} << 32) - 300 * LINUX_HZ) * USER_HZ / LINUX_HZ;

uint64_t in_use_bytes(const Process& p) {
    const MemGuard guard(p.mem);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < p.mem.space.extent_count(); ++i) {
        sum += p.mem.space.extent(i).end - p.mem.space.extent(i).start;
    }
    return sum;
}

} // namespace

SysRet sys_getrusage(Thread& self, const Syscall& call) {
    Process& p = *self.process;
    const int32_t who = static_cast<int32_t>(call.arg[0]);
    if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD) {
        return -EINVAL;
    }
    uint8_t* out = p.mem.ptr(call.arg[1], RUSAGE_SIZE);
    if (out == nullptr) {
        return -EFAULT;
    }
    uint64_t ru[RUSAGE_SIZE / 8] = {}; // utime, stime (timevals), then maxrss, ixrss, ... nivcsw
    if (who != RUSAGE_CHILDREN) {
        const uint64_t ns = tsc_ticks_ns(who == RUSAGE_SELF ? process_cpu_tsc(p) : thread_cpu_tsc(self));
        ru[0] = ns / 1000000000u;
        ru[1] = ns % 1000000000u / 1000u;
        ru[4] = in_use_bytes(p) >> 10; // ru_maxrss, KiB (Linux: the process's also for RUSAGE_THREAD)
    }
    memcpy(out, ru, sizeof ru);
    return 0;
}

// struct sysinfo (112 bytes): uptime, loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap
// (8 bytes each), procs (2 bytes at 80), totalhigh, freehigh (88, 96), mem_unit (4 bytes at 104).
SysRet sys_sysinfo(Thread& self, const Syscall& call) {
    Process& p = *self.process;
    uint8_t* out = p.mem.ptr(call.arg[0], 112);
    if (out == nullptr) {
        return -EFAULT;
    }
    uint64_t boot = 0;
    (void)clock_now(p.clocks, 7, boot); // CLOCK_BOOTTIME; Linux rounds a part second up
    const uint64_t total = p.mem.space.end() - p.mem.space.base();
    const uint64_t used = in_use_bytes(p);
    uint64_t words[14] = {};
    words[0] = boot / 1000000000u + (boot % 1000000000u != 0 ? 1 : 0);
    words[4] = total;
    words[5] = total > used ? total - used : 0;
    p.lock.lock();
    const uint16_t procs = static_cast<uint16_t>(p.live);
    p.lock.unlock();
    const uint32_t unit = 1;
    memset(out, 0, 112);
    memcpy(out, words, sizeof words);
    memcpy(out + 80, &procs, 2);
    memcpy(out + 104, &unit, 4);
    return 0;
}

SysRet sys_times(Thread& self, const Syscall& call) {
    Process& p = *self.process;
    if (call.arg[0] != 0) {
        uint8_t* out = p.mem.ptr(call.arg[0], TMS_SIZE);
        if (out == nullptr) {
            return -EFAULT;
        }
        const uint64_t tms[4] = {tsc_ticks_ns(process_cpu_tsc(p)) / (1000000000u / USER_HZ), 0, 0, 0};
        memcpy(out, tms, sizeof tms);
    }
    uint64_t mono = 0;
    (void)clock_now(p.clocks, 1, mono);
    return static_cast<int64_t>(INITIAL_TICKS + mono / (1000000000u / USER_HZ));
}

} // namespace ck

#pragma once
// Every native syscall handler, by the file that holds it. Each list names the syscalls whose handler,
// sys_<name>, that file defines; native_table.hpp joins them by name with delegation/syscalls.def's `native`
// column, and the build fails when a `sys` entry has no handler here or a handler here has no `sys` entry.
// Adding a native syscall: its entry says `sys`, its name goes in a list, the file defines sys_<name>.
#include "syscall.hpp"

// sys_memory.cpp: the process's memory (the job space)
#define CK_MEMORY_HANDLERS(X) X(brk) X(mmap) X(munmap) X(mremap) X(mprotect) X(madvise)
// sys_residency.cpp: locks, residency and write-back of the job's memory (all of it always resident)
#define CK_RESIDENCY_HANDLERS(X) X(mlock) X(munlock) X(mlock2) X(mlockall) X(munlockall) X(mincore) X(msync)
// sys_usage.cpp: CPU time and memory used, the memory there is
#define CK_USAGE_HANDLERS(X) X(getrusage) X(times) X(sysinfo)
// sys_time.cpp: clocks and sleeps, from the TSC
#define CK_TIME_HANDLERS(X)                                                                                  \
    X(clock_gettime) X(clock_getres) X(gettimeofday) X(time) X(nanosleep) X(clock_nanosleep)
// sys_process.cpp: identity, the calling thread's own state, exit
#define CK_PROCESS_HANDLERS(X)                                                                               \
    X(getpid)                                                                                                \
    X(gettid)                                                                                                \
    X(set_tid_address) X(set_robust_list) X(get_robust_list) X(rseq) X(arch_prctl) X(exit) X(exit_group)
// sys_thread.cpp: new threads
#define CK_THREAD_HANDLERS(X) X(clone) X(clone3)
// sys_futex.cpp
#define CK_FUTEX_HANDLERS(X) X(futex)
// sys_sched.cpp: the CPUs as the job sees them
#define CK_SCHED_HANDLERS(X)                                                                                 \
    X(sched_yield)                                                                                           \
    X(sched_getaffinity)                                                                                     \
    X(sched_setaffinity)                                                                                     \
    X(getcpu)                                                                                                \
    X(sched_getscheduler)                                                                                    \
    X(sched_getparam) X(sched_rr_get_interval) X(sched_get_priority_max) X(sched_get_priority_min)
// sys_signal.cpp: actions, masks, the alternate stack, waits for signals, sigreturn, signals to the job
#define CK_SIGNAL_HANDLERS(X)                                                                                \
    X(rt_sigaction)                                                                                          \
    X(rt_sigprocmask)                                                                                        \
    X(rt_sigpending)                                                                                         \
    X(rt_sigsuspend)                                                                                         \
    X(pause)                                                                                                 \
    X(rt_sigtimedwait)                                                                                       \
    X(rt_sigreturn)                                                                                          \
    X(sigaltstack) X(kill) X(tkill) X(tgkill) X(rt_sigqueueinfo) X(rt_tgsigqueueinfo)
// sys_timer.cpp: the process's real-time interval timer
#define CK_TIMER_HANDLERS(X) X(alarm) X(setitimer) X(getitimer)
// sys_misc.cpp
#define CK_MISC_HANDLERS(X) X(uname) X(getrandom)

#define CK_NATIVE_HANDLERS(X)                                                                                \
    CK_MEMORY_HANDLERS(X)                                                                                    \
    CK_RESIDENCY_HANDLERS(X)                                                                                 \
    CK_USAGE_HANDLERS(X)                                                                                     \
    CK_TIME_HANDLERS(X)                                                                                      \
    CK_PROCESS_HANDLERS(X)                                                                                   \
    CK_THREAD_HANDLERS(X)                                                                                    \
    CK_FUTEX_HANDLERS(X)                                                                                     \
    CK_SCHED_HANDLERS(X) CK_SIGNAL_HANDLERS(X) CK_TIMER_HANDLERS(X) CK_MISC_HANDLERS(X)

namespace ck {

#define CK_DECLARE_HANDLER(name) SysRet sys_##name(Thread& self, const Syscall& call);
CK_NATIVE_HANDLERS(CK_DECLARE_HANDLER)
#undef CK_DECLARE_HANDLER

// sys_not_implemented.cpp: every `enosys` entry (native-only, not implemented yet)
SysRet sys_not_implemented(Thread& self, const Syscall& call);

} // namespace ck

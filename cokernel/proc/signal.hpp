#pragma once
// Signals (docs/run.md, "Signals"): a process's actions and its process-directed pending set, each thread's
// mask, pending set and alternate stack; sending, delivery on the way back to ring 3 with Linux's frame,
// rt_sigreturn, and CPU exceptions turned into signals. The rules are in signal_rules.hpp; the syscalls in
// syscall/sys_signal.cpp. Locking: a process's signal state, and each of its threads', is under the process's
// lock (lock order: address space, then process, then run queue).
#include "signal_rules.hpp"

#include <stdint.h>

namespace arch {
struct Frame;
}

namespace ck {

struct Process;
struct Thread;

struct ThreadSignals {
    uint64_t blocked = 0;
    uint64_t saved_blocked = 0;   // sigsuspend's caller mask, put back once a handler's frame saved it
    bool restore_blocked = false; // saved_blocked is to be put back
    bool iret_return = false;     // its syscall returns through IRET (rt_sigreturn restored %rcx and %r11)
    sig::AltStack alt;
    sig::Pending pending; // thread-directed: tkill, tgkill, its own faults
    // The exception a pending fault signal came from (the frame's sigcontext trapno, err and cr2), and that
    // signal's number: its frame, and only its, carries them (0: no fault pending).
    uint64_t fault_trapno = 0, fault_err = 0, fault_cr2 = 0;
    int fault_sig = 0;
};

struct ProcessSignals {
    sig::KSigaction action[sig::NSIG];
    sig::Pending shared; // process-directed: kill, and signals from Linux
};

// A new process's signals (every action SIG_DFL but those in ignored, bit sig - 1: SIG_IGN, as execve keeps
// them; nothing pending) and a new thread's (mask inherited, no alternate stack: clone with CLONE_VM).
void signals_init(ProcessSignals& s, uint64_t ignored);
void thread_signals_init(ThreadSignals& s, uint64_t blocked);

// Sends sig to the process (kill): a thread that does not block it takes it, and is woken or interrupted; a
// fatal one (default action terminate or core) kills the process at once. 0 (sent) or -EINVAL.
int64_t signal_send_process(Process& p, const sig::SigInfo& info);
// Sends sig to one thread (tkill, tgkill).
int64_t signal_send_thread(Thread& t, const sig::SigInfo& info);

// True when t has a pending signal it does not block: a blocking wait (futex, sleep, sigsuspend) ends.
// Read without the lock; sched_block re-reads it after the thread marked itself blocked.
bool signal_interrupts(const Thread& t);

// On the way back to ring 3 from a syscall (from_syscall: f.rax is its result; the restart rules apply) or
// an interrupt or exception: the thread's deliverable signals run their actions (ignored, fatal, or a
// handler's frame on its user stack, f set to enter the handler).
void signal_deliver(Thread& self, arch::Frame& f, bool from_syscall);

// An exception in ring 3 (kernel/job.cpp): the signal it raises goes to the thread's handler, delivered on
// the way out; with no handler, or the signal blocked, the process is killed as Linux does.
void signal_fault(Thread& self, const arch::Frame& f, int sig, int code, uint64_t addr);

// rt_sigreturn: the registers, mask, FPU state and alternate stack saved in the frame at f.rsp - 8; the
// restored %rax. A frame that cannot be read or is not a user context kills the process (SIGSEGV).
int64_t signal_return(Thread& self, arch::Frame& f);

// sigsuspend/pause: the caller's mask becomes mask until a handler runs; returns -ERESTARTNOHAND when a
// signal came, -EINTR when the process ends.
int64_t signal_suspend(Thread& self, uint64_t mask);
// rt_sigtimedwait: the lowest pending signal of set (taken, its siginfo into info), waiting until
// deadline_tsc (0: forever; 1: do not wait). -EAGAIN on timeout, -EINTR when another signal came.
int64_t signal_wait(Thread& self, uint64_t set, sig::SigInfo& info, uint64_t deadline_tsc);

// Changes an action (rt_sigaction) and reports the old one; setting SIG_IGN (or SIG_DFL for a signal whose
// default is to ignore) drops it from every pending set.
void signal_set_action(Process& p, int sig, const sig::KSigaction* act, sig::KSigaction* old);
// Changes the calling thread's mask (rt_sigprocmask's how; SIGKILL and SIGSTOP never blocked).
void signal_set_mask(Thread& self, int how, uint64_t set);
// The signals pending for the thread or its process that it blocks (rt_sigpending).
uint64_t signal_blocked_pending(Thread& self);

} // namespace ck

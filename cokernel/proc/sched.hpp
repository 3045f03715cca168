#pragma once
// The scheduler (docs/run.md, "Threads and CPUs"): per-CPU run queues (proc/percpu.hpp), threads placed on
// the allowed CPU with the fewest threads, FIFO within a CPU. A CPU with one runnable thread takes no timer
// interrupt at all; one with more time-slices them (its APIC timer, armed only then), and a CPU with
// nothing to run halts. A thread that blocks (futex, sleep) leaves its CPU; one waiting for the proxy
// keeps polling but gives the CPU to any other runnable thread.
//
// Rules: everything here runs with interrupts off. Interrupt handlers never switch contexts; they set
// need_resched, and the switch happens on the way back to ring 3 (sched_return_to_user) or in a wait loop.
#include <stdint.h>

namespace ck {

struct Thread;
struct Process;

// This CPU, at boot: calibrates its APIC timer against the TSC.
void sched_init_cpu();
// This CPU's loop when nothing runs: runs its queue, halts otherwise; on_idle runs before each halt.
[[noreturn]] void sched_idle_loop(void (*on_idle)());

// The least loaded enclave CPU in affinity (bit i: CPU i).
uint32_t sched_pick_cpu(uint64_t affinity);
// Puts a new thread (thread_init'ed, its user frame filled) on cpu's run queue.
void sched_start(Thread& t, uint32_t cpu);
// Gives up this CPU as the current thread's state says: running (a yield or a preemption: back on the
// queue), blocked (until sched_wake or its wake_tsc) or exited (never comes back).
void schedule();
// The current thread, if others are waiting for this CPU: to the end of the queue, and run the next.
void sched_yield();
// True when another thread waits for this CPU (or an interrupt asked for a switch).
bool sched_should_yield();
// Blocks the current thread: the caller set its state to blocked (under the lock its waker takes) and
// wake_tsc (0: no deadline). Returns when woken, or at once when a signal it does not block is pending or its
// process is ending; false when its deadline passed first.
bool sched_block();
// The TSC value ns nanoseconds from now (saturating).
uint64_t tsc_after_ns(uint64_t ns);
// Blocks the current thread until the TSC reaches deadline_tsc, or its process ends (true), or a signal it
// does not block is pending (false).
bool sched_sleep_until(uint64_t deadline_tsc);
// Makes a blocked thread runnable on its CPU; false when it was not blocked.
bool sched_wake(Thread& t);
// The current thread moves to the allowed CPU with the fewest threads when its CPU is not allowed.
void sched_follow_affinity();
// On the way back to ring 3 (syscall return, interrupt from ring 3): ends the thread when its process is
// ending, switches when asked to, and moves it when its affinity no longer has its CPU.
void sched_return_to_user();

// Interrupt handlers (traps.cpp).
void sched_timer_interrupt();
void sched_resched_interrupt();

// An IPI to an enclave CPU to look at its run queue (and to stop a thread of an ending process).
void sched_kick(uint32_t cpu);
// CPU 0's timer also fires at deadline_tsc (0: never) for the process's interval timer (proc/itimer.hpp).
void sched_set_cpu0_deadline(uint64_t deadline_tsc);

} // namespace ck

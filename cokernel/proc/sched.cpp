// Per-CPU run queues, the context switch, blocking and waking, the time slice (proc/sched.hpp).
#include "sched.hpp"

#include "apic.hpp"
#include "cpu.hpp"
#include "cpu_time.hpp"
#include "exit.hpp"
#include "itimer.hpp"
#include "kernel.hpp"
#include "percpu.hpp"
#include "process.hpp"
#include "signal.hpp"
#include "thread.hpp"
#include "vectors.hpp"

extern "C" void switch_stacks(uint64_t* save_rsp, uint64_t next_rsp);

// After every switch, in the context switched to (and a new thread's first entry, user.S): the thread
// switched away from is off this CPU from here on.
extern "C" void sched_finish_switch() {
    ck::PerCpu& c = ck::this_cpu();
    if (c.switch_from != nullptr) {
        __atomic_store_n(&c.switch_from->on_cpu, false, __ATOMIC_RELEASE);
        c.switch_from = nullptr;
    }
}

// A new thread's first run, before its user frame is popped into ring 3 (thread_first_entry, user.S).
extern "C" void sched_first_run() {
    sched_finish_switch();
    ck::sched_return_to_user(); // its process may be ending already
}

namespace ck {
namespace {

constexpr uint32_t MSR_FS_BASE = 0xc0000100;
constexpr uint64_t SLICE_MS = 10;

uint64_t tsc_per_ms() {
    return boot_params().tsc_khz;
}

void enqueue(RunQueue& rq, Thread& t) {
    t.rq_next = nullptr;
    if (rq.tail != nullptr) {
        rq.tail->rq_next = &t;
    } else {
        rq.head = &t;
    }
    rq.tail = &t;
    ++rq.queued;
}

Thread* dequeue(RunQueue& rq) {
    Thread* t = rq.head;
    if (t != nullptr) {
        rq.head = t->rq_next;
        if (rq.head == nullptr) {
            rq.tail = nullptr;
        }
        t->rq_next = nullptr;
        --rq.queued;
    }
    return t;
}

void remove_sleeper(RunQueue& rq, Thread& t) {
    for (Thread** p = &rq.sleepers; *p != nullptr; p = &(*p)->sleep_next) {
        if (*p == &t) {
            *p = t.sleep_next;
            t.sleep_next = nullptr;
            return;
        }
    }
}

// This CPU's timer for the earlier of the time slice (when threads wait for the CPU) and the first sleeper's
// deadline; stopped when there is neither. Under rq.lock.
// CPU 0's timer also serves the process's interval timer (proc/itimer.cpp): its deadline, 0 for none.
uint64_t g_cpu0_deadline = 0;

void rearm_timer(PerCpu& c) {
    RunQueue& rq = c.rq;
    uint64_t when = 0;
    const uint64_t now = arch::rdtsc();
    if (rq.queued != 0) {
        when = now + SLICE_MS * tsc_per_ms();
    }
    if (c.index == 0) {
        const uint64_t d = __atomic_load_n(&g_cpu0_deadline, __ATOMIC_ACQUIRE);
        if (d != 0 && (when == 0 || d < when)) {
            when = d;
        }
    }
    for (Thread* t = rq.sleepers; t != nullptr; t = t->sleep_next) {
        if (when == 0 || t->wake_tsc < when) {
            when = t->wake_tsc;
        }
    }
    if (when == 0) {
        if (rq.timer_tsc != 0) {
            this_apic().timer_stop();
            rq.timer_tsc = 0;
        }
        return;
    }
    if (rq.timer_tsc != 0 && rq.timer_tsc <= when && rq.timer_tsc > now) {
        return; // an earlier interrupt is coming anyway
    }
    this_apic().timer_oneshot(when > now ? when - now : 1);
    rq.timer_tsc = when;
}

// From prev (nullptr: the idle loop) to next (nullptr: the idle loop) on this CPU. Returns in prev's context
// when something switches back to it, possibly on another CPU (a migrated thread).
void switch_to(Thread* prev, Thread* next) {
    PerCpu& c = this_cpu();
    if (next != nullptr) {
        while (__atomic_load_n(&next->on_cpu, __ATOMIC_ACQUIRE)) {
            arch::pause(); // still leaving the CPU it ran on last (it moved here)
        }
        next->on_cpu = true;
    }
    const uint64_t now = arch::rdtsc();
    if (prev != nullptr) {
        arch::fxsave(prev->fpu);
        thread_cpu_off(*prev, now);
    }
    if (next != nullptr) {
        next->on_cpu_tsc = now;
    }
    c.switch_from = prev;
    c.current = next;
    uint64_t next_rsp = c.idle_rsp;
    if (next != nullptr) {
        c.kernel_rsp = next->stack.top;
        c.tables.tss.rsp[0] = next->stack.top;
        arch::wrmsr(MSR_FS_BASE, next->fs_base);
        arch::fxrstor(next->fpu);
        __atomic_fetch_or(&next->process->cpus_used, uint64_t{1} << c.index, __ATOMIC_ACQ_REL);
        next_rsp = next->switch_rsp;
    }
    switch_stacks(prev != nullptr ? &prev->switch_rsp : &c.idle_rsp, next_rsp);
    sched_finish_switch(); // this_cpu() again: prev may resume on another CPU
}

// Sleepers whose deadline passed: runnable again, timed out. Under rq.lock.
void take_expired_sleepers(RunQueue& rq) {
    const uint64_t now = arch::rdtsc();
    for (Thread** p = &rq.sleepers; *p != nullptr;) {
        Thread* t = *p;
        if (t->wake_tsc <= now) {
            *p = t->sleep_next;
            t->sleep_next = nullptr;
            t->timed_out = true;
            t->state = ThreadState::runnable;
            enqueue(rq, *t);
        } else {
            p = &t->sleep_next;
        }
    }
}

} // namespace

void sched_init_cpu() {
    arch::Apic& apic = this_apic();
    apic.timer_set_vector(arch::TIMER_VECTOR);
    const uint64_t ticks = tsc_per_ms(); // 1 ms
    apic.timer_calibrate(ticks, [](uint64_t n) {
        const uint64_t start = arch::rdtsc();
        while (arch::rdtsc() - start < n) {
            arch::pause();
        }
    });
    apic.timer_stop();
}

uint32_t sched_pick_cpu(uint64_t affinity) {
    uint32_t best = 0;
    uint32_t best_load = ~0u;
    for (uint32_t i = 0; i < cpu_count(); ++i) {
        if ((affinity & (uint64_t{1} << i)) == 0) {
            continue;
        }
        const uint32_t load = __atomic_load_n(&cpu_block(i).rq.assigned, __ATOMIC_RELAXED);
        if (load < best_load) {
            best = i;
            best_load = load;
        }
    }
    return best;
}

void sched_kick(uint32_t cpu) {
    if (cpu == this_cpu().index) {
        this_cpu().need_resched = true;
        return;
    }
    this_apic().send_ipi(cpu_block(cpu).apic_id, arch::RESCHED_VECTOR);
}

void sched_start(Thread& t, uint32_t cpu) {
    PerCpu& c = cpu_block(cpu);
    t.cpu = cpu;
    __atomic_fetch_add(&c.rq.assigned, 1u, __ATOMIC_RELAXED);
    c.rq.lock.lock();
    t.state = ThreadState::runnable;
    enqueue(c.rq, t);
    if (&c == &this_cpu()) {
        rearm_timer(c);
    }
    c.rq.lock.unlock();
    sched_kick(cpu);
}

void schedule() {
    PerCpu& c = this_cpu();
    Thread* prev = c.current;
    c.rq.lock.lock();
    if (prev != nullptr) {
        if (prev->state == ThreadState::running) {
            prev->state = ThreadState::runnable;
            enqueue(c.rq, *prev);
        } else if (prev->state == ThreadState::blocked && prev->wake_tsc != 0) {
            prev->sleep_next = c.rq.sleepers;
            c.rq.sleepers = prev;
        }
    }
    take_expired_sleepers(c.rq);
    Thread* next = dequeue(c.rq);
    if (next != nullptr) {
        next->state = ThreadState::running;
    }
    c.need_resched = false;
    rearm_timer(c);
    c.rq.lock.unlock();
    if (next != prev) {
        switch_to(prev, next);
    }
}

bool sched_should_yield() {
    const PerCpu& c = this_cpu();
    return c.need_resched || __atomic_load_n(&c.rq.queued, __ATOMIC_RELAXED) != 0;
}

void sched_yield() {
    if (sched_should_yield()) {
        schedule(); // running: back on the queue, behind the others
    }
}

bool sched_block() {
    Thread& self = *this_cpu().current;
    self.timed_out = false;
    // A signal (or the process's end) sent after the caller last looked, but before it marked itself
    // blocked, found it not blocked and woke nobody: it wakes itself (the sender stored first, then read the
    // state; this stored the state, then reads what was sent).
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (signal_interrupts(self) || __atomic_load_n(&self.process->exiting, __ATOMIC_ACQUIRE)) {
        (void)sched_wake(self);
    }
    schedule();
    return !self.timed_out;
}

uint64_t tsc_after_ns(uint64_t ns) {
    const uint64_t khz = tsc_per_ms();
    const uint64_t ms = ns / 1000000u;
    const uint64_t ticks =
        ms > ~uint64_t{0} / khz / 2 ? ~uint64_t{0} / 2 : ms * khz + ns % 1000000u * khz / 1000000u;
    return arch::rdtsc() + ticks;
}

bool sched_sleep_until(uint64_t deadline_tsc) {
    Thread& self = *this_cpu().current;
    while (arch::rdtsc() < deadline_tsc && !__atomic_load_n(&self.process->exiting, __ATOMIC_ACQUIRE)) {
        if (signal_interrupts(self)) {
            self.wake_tsc = 0;
            return false;
        }
        self.wake_tsc = deadline_tsc;
        __atomic_store_n(&self.state, ThreadState::blocked, __ATOMIC_RELEASE);
        (void)sched_block();
    }
    self.wake_tsc = 0;
    return true;
}

bool sched_wake(Thread& t) {
    const uint32_t cpu = t.cpu;
    PerCpu& c = cpu_block(cpu);
    c.rq.lock.lock();
    if (t.state != ThreadState::blocked) {
        c.rq.lock.unlock();
        return false;
    }
    remove_sleeper(c.rq, t);
    t.state = ThreadState::runnable;
    enqueue(c.rq, t);
    const bool here = &c == &this_cpu();
    if (here) {
        rearm_timer(c);
    }
    c.rq.lock.unlock();
    if (!here) {
        sched_kick(cpu);
    } else if (c.current == nullptr) {
        c.need_resched = true;
    }
    return true;
}

void sched_follow_affinity() {
    PerCpu& c = this_cpu();
    Thread& self = *c.current;
    if ((self.affinity & (uint64_t{1} << c.index)) != 0) {
        return;
    }
    const uint32_t to = sched_pick_cpu(self.affinity);
    PerCpu& dest = cpu_block(to);
    __atomic_fetch_sub(&c.rq.assigned, 1u, __ATOMIC_RELAXED);
    __atomic_fetch_add(&dest.rq.assigned, 1u, __ATOMIC_RELAXED);
    dest.rq.lock.lock();
    self.cpu = to;
    self.state = ThreadState::runnable; // not running: schedule() below does not queue it here
    enqueue(dest.rq, self);
    dest.rq.lock.unlock();
    sched_kick(to);
    schedule(); // dest waits for this CPU to switch away (on_cpu) before it runs it
}

void sched_return_to_user() {
    for (;;) {
        PerCpu& c = this_cpu();
        Thread* self = c.current;
        if (self == nullptr) {
            return;
        }
        if (__atomic_load_n(&self->process->exiting, __ATOMIC_ACQUIRE)) {
            thread_exit(*self, 0);
        }
        if (c.need_resched) {
            schedule();
            continue;
        }
        if ((self->affinity & (uint64_t{1} << c.index)) == 0) {
            sched_follow_affinity();
            continue;
        }
        return;
    }
}

void sched_timer_interrupt() {
    PerCpu& c = this_cpu();
    c.rq.lock.lock();
    c.rq.timer_tsc = 0;
    take_expired_sleepers(c.rq);
    bool itimer_due = false;
    if (c.index == 0) {
        const uint64_t d = __atomic_load_n(&g_cpu0_deadline, __ATOMIC_ACQUIRE);
        if (d != 0 && arch::rdtsc() >= d) {
            __atomic_store_n(&g_cpu0_deadline, 0, __ATOMIC_RELEASE);
            itimer_due = true;
        }
    }
    if (c.rq.queued != 0) {
        c.need_resched = true; // a time slice ended, or a sleeper woke
    }
    rearm_timer(c);
    c.rq.lock.unlock();
    if (itimer_due) {
        itimer_expired(); // SIGALRM; sets the next deadline of an interval timer
    }
}

void sched_set_cpu0_deadline(uint64_t deadline_tsc) {
    __atomic_store_n(&g_cpu0_deadline, deadline_tsc, __ATOMIC_RELEASE);
    PerCpu& c = this_cpu();
    if (c.index == 0) {
        c.rq.lock.lock();
        rearm_timer(c);
        c.rq.lock.unlock();
    } else {
        sched_kick(0); // its resched interrupt re-arms its timer
    }
}

void sched_resched_interrupt() {
    PerCpu& c = this_cpu();
    c.rq.lock.lock();
    if (c.rq.queued != 0 && c.current == nullptr) {
        c.need_resched = true; // idle: run it now
    }
    rearm_timer(c); // a thread more: time-slice; or CPU 0's interval-timer deadline changed
    c.rq.lock.unlock();
    if (c.current != nullptr && __atomic_load_n(&c.current->process->exiting, __ATOMIC_ACQUIRE)) {
        c.need_resched = true; // its process ends: leave ring 3
    }
}

[[noreturn]] void sched_idle_loop(void (*on_idle)()) {
    PerCpu& c = this_cpu();
    for (;;) {
        if (__atomic_load_n(&c.rq.queued, __ATOMIC_RELAXED) != 0) {
            schedule(); // back here when nothing is left to run
        }
        if (on_idle != nullptr) {
            on_idle();
        }
        if (__atomic_load_n(&c.rq.queued, __ATOMIC_RELAXED) == 0) {
            arch::idle(); // an IPI or the timer ends the halt
        }
    }
}

} // namespace ck

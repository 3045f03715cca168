// clone and clone3 (docs/run.md, "Threads"): new threads of the calling process, with the flags glibc's
// pthread_create and libgomp use. A new thread starts from a copy of the caller's user registers with rax 0,
// its own stack and TLS, the caller's x87/SSE state and affinity, on the allowed CPU with the fewest
// threads. A copy of the process (fork, vfork, clone without CLONE_VM) is not supported: -ENOSYS.
#include "cpu.hpp"
#include "errno.hpp"
#include "handlers.hpp"
#include "job.hpp"
#include "kernel.hpp"
#include "mem.hpp"
#include "process.hpp"
#include "sched.hpp"
#include "thread.hpp"

namespace ck {

PhysAllocator<64>& kernel_pages(); // kernel/main.cpp

namespace {

constexpr uint64_t CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800,
                   CLONE_PIDFD = 0x1000, CLONE_PTRACE = 0x2000, CLONE_VFORK = 0x4000, CLONE_PARENT = 0x8000,
                   CLONE_THREAD = 0x10000, CLONE_NEWNS = 0x20000, CLONE_SYSVSEM = 0x40000,
                   CLONE_SETTLS = 0x80000, CLONE_PARENT_SETTID = 0x100000, CLONE_CHILD_CLEARTID = 0x200000,
                   CLONE_DETACHED = 0x400000, CLONE_UNTRACED = 0x800000, CLONE_CHILD_SETTID = 0x1000000,
                   CLONE_IO = 0x80000000;
// What a thread of this process may ask for; all of it is what the co-kernel does anyway (one address
// space, the proxy's files, no signal handlers yet) except the tid and TLS flags, which it honours.
constexpr uint64_t THREAD_FLAGS = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                                  CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID |
                                  CLONE_DETACHED | CLONE_UNTRACED | CLONE_CHILD_SETTID | CLONE_IO;
constexpr uint64_t CSIGNAL = 0xff;
constexpr int64_t E2BIG = 7;

struct CloneRequest {
    uint64_t flags = 0;
    uint64_t exit_signal = 0;
    uint64_t stack_top = 0; // 0: the caller's %rsp
    uint64_t parent_tid = 0, child_tid = 0, tls = 0;
};

bool put_tid(const Process& p, uint64_t addr, uint32_t tid) {
    uint8_t* w = p.mem.ptr(addr, 4);
    if (w == nullptr) {
        return false;
    }
    memcpy(w, &tid, 4);
    return true;
}

// A free slot of p made a new thread (state created, counted live), with its kernel stack and channel;
// nullptr when none is free or p is ending, a slot left unused when there is no memory for it.
Thread* take_slot(Process& p) {
    const MemGuard mem(p.mem); // the kernel stack's pages (lock order: memory, then the process)
    const LockGuard g(p.lock);
    if (p.exiting) {
        return nullptr;
    }
    for (Thread& slot : p.threads) {
        const ThreadState st = __atomic_load_n(&slot.state, __ATOMIC_ACQUIRE);
        if (st != ThreadState::unused &&
            (st != ThreadState::exited || __atomic_load_n(&slot.on_cpu, __ATOMIC_ACQUIRE))) {
            continue;
        }
        const uint32_t tid = p.id.pid + slot.slot; // the first thread (slot 0) has the pid
        if (!thread_init(slot, p, tid, kernel_pages()) || job_channel(p, slot.slot) == nullptr) {
            slot.state = ThreadState::unused;
            return &slot; // state unused: no memory
        }
        slot.state = ThreadState::created; // taken: set up by the caller, then started
        ++p.live;
        return &slot;
    }
    return nullptr;
}

SysRet clone_thread(Thread& self, const CloneRequest& r) {
    if ((r.flags & CLONE_VM) == 0 || (r.flags & CLONE_VFORK) != 0) {
        return -ENOSYS; // a new process (fork): not yet (docs/run.md, "Limits")
    }
    // Linux's own rules: a thread shares signal handlers, which share the address space.
    if ((r.flags & CLONE_THREAD) == 0 || (r.flags & CLONE_SIGHAND) == 0) {
        return -EINVAL;
    }
    if ((r.flags & ~THREAD_FLAGS) != 0 || r.exit_signal != 0) {
        return -EINVAL;
    }
    if ((r.flags & CLONE_SETTLS) != 0 && r.tls >= 0x0000800000000000ULL) {
        return -EPERM;
    }
    Process& p = *self.process;
    Thread* t = take_slot(p);
    if (t == nullptr) {
        return p.exiting ? -EINTR : -EAGAIN; // EAGAIN: as Linux at its thread limit
    }
    if (t->state != ThreadState::created) {
        return -ENOMEM;
    }
    const uint32_t tid = t->tid;
    arch::Frame& f = *t->user_frame();
    f = *self.user_frame();
    f.rax = 0;
    if (r.stack_top != 0) {
        f.rsp = r.stack_top;
    }
    arch::fxsave(t->fpu);
    t->fs_base = (r.flags & CLONE_SETTLS) != 0 ? r.tls : self.fs_base;
    t->affinity = self.affinity;
    thread_signals_init(t->sig, self.sig.blocked); // its creator's mask; no alternate stack, nothing pending
    if ((r.flags & CLONE_CHILD_CLEARTID) != 0) {
        t->clear_child_tid = r.child_tid;
    }
    if ((r.flags & CLONE_PARENT_SETTID) != 0) {
        (void)put_tid(p, r.parent_tid, tid);
    }
    if ((r.flags & CLONE_CHILD_SETTID) != 0) {
        (void)put_tid(p, r.child_tid, tid);
    }
    sched_start(*t, sched_pick_cpu(t->affinity));
    return tid;
}

} // namespace

// x86-64's order: flags, stack, parent_tid, child_tid, tls.
SysRet sys_clone(Thread& self, const Syscall& call) {
    CloneRequest r;
    r.flags = call.arg[0] & ~CSIGNAL;
    r.exit_signal = call.arg[0] & CSIGNAL;
    r.stack_top = call.arg[1];
    r.parent_tid = call.arg[2];
    r.child_tid = call.arg[3];
    r.tls = call.arg[4];
    return clone_thread(self, r);
}

// struct clone_args: flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
// set_tid_size, cgroup (64 bytes in its first version; a larger one must have zeros beyond what we know).
SysRet sys_clone3(Thread& self, const Syscall& call) {
    constexpr uint64_t VER0 = 64, KNOWN = 88;
    const uint64_t size = call.arg[1];
    if (size < VER0 || size > 4096) {
        return -EINVAL;
    }
    const uint8_t* a = self.process->mem.ptr(call.arg[0], size);
    if (a == nullptr) {
        return -EFAULT;
    }
    uint64_t v[11] = {};
    memcpy(v, a, size < KNOWN ? size : KNOWN);
    for (uint64_t i = KNOWN; i < size; ++i) {
        if (a[i] != 0) {
            return -E2BIG;
        }
    }
    if ((v[0] & CLONE_PIDFD) != 0 || v[8] != 0 || v[9] != 0 || v[10] != 0 || (v[0] & CSIGNAL) != 0) {
        return -EINVAL; // pidfds, set_tid and cgroups: not for threads here
    }
    if ((v[5] == 0) != (v[6] == 0)) {
        return -EINVAL;
    }
    CloneRequest r;
    r.flags = v[0];
    r.child_tid = v[2];
    r.parent_tid = v[3];
    r.exit_signal = v[4];
    r.stack_top = v[5] != 0 ? v[5] + v[6] : 0;
    r.tls = v[7];
    return clone_thread(self, r);
}

} // namespace ck

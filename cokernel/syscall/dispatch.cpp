// A job's system calls (docs/run.md, "Syscall entry"): SYSCALL enters syscall_entry (arch/x86_64/user.S),
// which saves the thread's user registers as an arch::Frame at the top of its kernel stack and calls
// syscall_dispatch. The calling thread and its process come from this CPU's per-CPU block; route() picks the
// path from the job's policy bits and delegation/syscalls.def, and native calls go through the table
// generated from the same file (native_table.hpp) to the handler functions listed here in its slot order.
#include "delegate.hpp"
#include "descriptors.hpp"
#include "errno.hpp"
#include "kernel.hpp"
#include "native_table.hpp"
#include "percpu.hpp"
#include "process.hpp"
#include "route.hpp"
#include "sched.hpp"
#include "signal.hpp"
#include "thread.hpp"

namespace ck {
namespace {

#define CK_HANDLER_FN(name) &sys_##name,
constexpr SyscallHandler handler_fns[] = {CK_NATIVE_HANDLERS(CK_HANDLER_FN)};
#undef CK_HANDLER_FN
static_assert(sizeof handler_fns / sizeof handler_fns[0] == native_handler_count);

int64_t run_syscall(Thread& self, const Syscall& call) {
    Process& p = *self.process;
    switch (route(call.nr, p.policy)) {
    case Route::refuse:
        return -EPERM;
    case Route::unknown:
        return -ENOSYS;
    case Route::not_implemented:
        return sys_not_implemented(self, call).value();
    case Route::proxy:
        return delegate_to_proxy(self, call);
    case Route::native:
        break;
    }
    const uint16_t slot = native_table.slot[call.nr];    // route() said native: a number the table has
    if (slot == NOT_IMPLEMENTED || slot == NO_HANDLER) { // NO_HANDLER: never, the static_asserts see to it
        return sys_not_implemented(self, call).value();
    }
    const SysRet r = handler_fns[slot](self, call);
    if (r.goes_to_proxy()) {
        return delegate_to_proxy(self, call);
    }
    __atomic_fetch_add(&p.calls.native, 1u, __ATOMIC_RELAXED);
    return r.value();
}

} // namespace
} // namespace ck

// Non-zero: return to ring 3 through IRET (rt_sigreturn restored registers SYSRET would overwrite).
extern "C" int syscall_dispatch(arch::Frame* f) {
    ck::Thread* self = ck::current_thread();
    if (self == nullptr || f != self->user_frame()) {
        ck::panic("syscall with no thread running, or not on its kernel stack (frame %p)",
                  static_cast<void*>(f));
    }
    const ck::Syscall call{f->vector, {f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9}};
    f->rax = static_cast<uint64_t>(ck::run_syscall(*self, call));
    ck::sched_return_to_user(); // the process may be ending, or another thread waits for this CPU
    // Signals: a handler's frame, or the restart of an interrupted call. Not after rt_sigreturn's own
    // result, which is the restored %rax, not a syscall's.
    constexpr uint64_t NR_RT_SIGRETURN = 15;
    ck::signal_deliver(*self, *f, call.nr != NR_RT_SIGRETURN);
    const bool iret = self->sig.iret_return;
    self->sig.iret_return = false;
    return iret ? 1 : 0;
}

// The shared handler of every native-only syscall the co-kernel does not implement yet (the `enosys`
// entries of delegation/syscalls.def: clone, fork, wait4, futex, ...): -ENOSYS, and one console line per
// syscall for the life of the co-kernel, so a job's first failing call shows without flooding the console.
#include "console.hpp"
#include "errno.hpp"
#include "handlers.hpp"
#include "syscall_table.hpp"

namespace ck {

SysRet sys_not_implemented(Thread&, const Syscall& call) {
    static uint8_t reported[deleg::syscall_nr_limit];
    const deleg::SyscallInfo* info = deleg::syscall_info(call.nr);
    if (info != nullptr && reported[call.nr] == 0) {
        reported[call.nr] = 1;
        kprintf("job: %s is not implemented in the co-kernel yet: -ENOSYS\n", info->name);
    }
    return -ENOSYS;
}

} // namespace ck

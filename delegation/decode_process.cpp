// Arguments that act on a process: resource limits (RLIMIT_NOFILE is the proxy's guard, limit_descriptors)
// and pids that may only name the job itself.
#include "decoder.hpp"

#include <cerrno>

namespace ck::deleg::detail {

// struct rlimit for setrlimit/prlimit64, copied. The proxy's RLIMIT_NOFILE is at most fd_limit (hard and
// soft) so that no descriptor of the job's lands among the proxy's; a job may lower it but not raise its
// hard limit above fd_limit: -EPERM, what Linux answers an unprivileged process raising its hard limit.
int64_t Decoder::rlimit_in(size_t i, size_t resource_arg) {
    const uint64_t p = a(i);
    if (p == 0) {
        return 0;
    }
    if (range(p, sizeof(::rlimit)) != 0) {
        return -EFAULT;
    }
    ::rlimit& r = scratch_.rlim;
    copy_in(&r, p, sizeof r);
    out_.args[i] = addr_of(&r);
    if (static_cast<uint32_t>(a(resource_arg)) == RLIMIT_NOFILE && job_.fd_limit >= 0 &&
        r.rlim_max > static_cast<rlim_t>(job_.fd_limit)) {
        return refuse(-EPERM);
    }
    return 0;
}

// setpgid's pid: the job has no children on the co-kernel (no fork), so only 0 or its own pid name a
// process it may move (as on Linux, where setpgid of a process that is neither the caller nor its child is
// ESRCH); whatever children the proxy has are not the job's.
int64_t Decoder::self_pid(size_t i) {
    const int32_t pid = as_int(a(i));
    return pid == 0 || (job_.self.pid != 0 && pid == job_.self.pid) ? 0 : refuse(-ESRCH);
}

// getpriority/setpriority(PRIO_PROCESS, the job's pid): each job thread's calls run in its own proxy
// thread, whose nice is that job thread's, so the job's pid names the caller (0): from its main thread that
// is Linux's meaning; from another thread it names the caller, not the main thread. Other pids, groups and
// users are Linux's, with the job user's rights.
int64_t Decoder::prio_who(size_t i, size_t which_arg) {
    constexpr int32_t PRIO_PROCESS = 0;
    if (as_int(a(which_arg)) == PRIO_PROCESS && job_.self.pid != 0 && as_int(a(i)) == job_.self.pid) {
        out_.args[i] = 0;
    }
    return 0;
}

} // namespace ck::deleg::detail

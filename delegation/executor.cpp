#include "executor.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <unistd.h>

namespace ck::deleg {

uint64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

Executor::Executor(JobContext job, const PolicySet& policy)
    : job_(job), policy_(policy), scratch_(std::make_unique<Scratch>()) {}

int64_t Executor::execute(const cokernel_deleg_request& req) {
    const uint64_t t0 = monotonic_ns();
    Path path = Path::rejected;
    const int64_t ret = run(req, path);
    stats_.record(req.nr, path, monotonic_ns() - t0);
    return ret;
}

int64_t Executor::run(const cokernel_deleg_request& req, Path& path) {
    const SyscallInfo* s = syscall_info(req.nr);
    if (s == nullptr) {
        return -ENOSYS;
    }
    switch (policy_.effective(req.nr)) {
    case Policy::native_only:
    case Policy::native:
        return -ENOSYS;
    case Policy::denied:
        return -EPERM;
    case Policy::delegated:
        break;
    }
    if (!can_delegate(*s)) {
        return -EPERM;
    }
    Prepared p;
    const int64_t err = prepare(*s, req, job_, *scratch_, p);
    if (err != 0) {
        return err;
    }
    path = Path::delegated;
    const long r = ::syscall(static_cast<long>(req.nr), p.args[0], p.args[1], p.args[2], p.args[3], p.args[4],
                             p.args[5]);
    if (r == -1) {
        return -static_cast<int64_t>(errno);
    }
    for (size_t i = 0; i < p.writebacks; ++i) {
        const Writeback& w = p.writeback[i];
        std::memcpy(reinterpret_cast<void*>(static_cast<uintptr_t>(w.job_addr)), w.from, w.len);
    }
    return r;
}

} // namespace ck::deleg

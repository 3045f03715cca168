#include "executor.hpp"

#include "job_files.hpp"
#include "job_self.hpp"
#include "opened_file.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace ck::deleg {

uint64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

Executor::Executor(JobContext job, const PolicySet& policy, Kernel& kernel)
    : job_(job), policy_(policy), kernel_(kernel), scratch_(std::make_unique<Scratch>()) {}

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
        path = Path::refused;
        return -EPERM;
    case Policy::delegated:
        break;
    }
    if (!can_delegate(*s)) {
        path = Path::refused;
        return -EPERM;
    }
    Prepared p;
    const int64_t err = prepare(*s, req, job_, *scratch_, p);
    if (err != 0) {
        path = p.refused ? Path::refused : Path::rejected;
        return err;
    }
    path = Path::delegated;
    if (const auto self_exe = self_exe_readlink(job_, req.nr, p.args)) {
        return *self_exe;
    }
    if (const auto own = open_own_file(job_, req.nr, p.args)) {
        if (*own >= 0) {
            if (const int64_t refused = check_new_fd(job_, kernel_, NewFd::direct, static_cast<int>(*own));
                refused != 0) {
                path = Path::refused;
                return refused;
            }
        }
        return *own;
    }
    const int64_t r = kernel_.call(req.nr, p.args);
    if (r < 0) {
        return r;
    }
    if (const NewFd kind = new_fd_kind(req.nr, p.args); kind != NewFd::none) {
        if (const int64_t refused = check_new_fd(job_, kernel_, kind, static_cast<int>(r)); refused != 0) {
            path = Path::refused;
            return refused;
        }
        if (kind == NewFd::from_path) {
            if (const int64_t e = replace_job_file(static_cast<int>(r), job_); e != 0) {
                return e;
            }
        }
    }
    for (size_t i = 0; i < p.writebacks; ++i) {
        const Writeback& w = p.writeback[i];
        const uint64_t span = (w.count - 1) * w.stride + w.len;
        if (w.count == 0 || w.job_addr == 0 || !job_.memory.contains(w.job_addr, span)) {
            std::abort(); // prepare() stores back only into ranges it checked: a broken invariant
        }
        for (size_t k = 0; k < w.count; ++k) {
            std::memcpy(reinterpret_cast<void*>(static_cast<uintptr_t>(w.job_addr + k * w.stride)),
                        static_cast<const uint8_t*>(w.from) + k * w.stride, w.len);
        }
    }
    return r;
}

} // namespace ck::deleg

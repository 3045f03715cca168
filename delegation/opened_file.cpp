#include "opened_file.hpp"

#include "self_files.hpp"

#include <cerrno>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/syscall.h>

namespace ck::deleg {

NewFd new_fd_kind(uint64_t nr, const uint64_t (&args)[6]) {
    switch (nr) {
    case SYS_open:
    case SYS_creat:
    case SYS_openat:
    case SYS_openat2:
        return NewFd::from_path;
    case SYS_dup:
    case SYS_dup2:
    case SYS_dup3:
    case SYS_socket:
    case SYS_accept:
    case SYS_accept4:
    case SYS_epoll_create:
    case SYS_epoll_create1:
    case SYS_eventfd:
    case SYS_eventfd2:
    case SYS_timerfd_create:
    case SYS_inotify_init:
    case SYS_inotify_init1:
    case SYS_fanotify_init:
    case SYS_memfd_create:
    case SYS_mq_open:
        return NewFd::direct;
    case SYS_fcntl: {
        const auto cmd = static_cast<int>(args[1]);
        return cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC ? NewFd::direct : NewFd::none;
    }
    default:
        return NewFd::none;
    }
}

namespace {
constexpr size_t max_path = 4096; // PATH_MAX

// One of the job's own /proc files (self_files.hpp), opened read-only, where the proxy knows the job: the
// executor swaps it for the job's content (job_files.hpp), so nothing of the proxy's is read through it.
bool job_reads_own_file(const JobContext& job, Kernel& kernel, int fd, std::string_view path) {
    const uint64_t args[6] = {static_cast<uint64_t>(fd), F_GETFL, 0, 0, 0, 0};
    const int64_t fl = kernel.call(SYS_fcntl, args);
    return !job.argv.empty() && !self_file_name(path, job.self.pid).empty() && fl >= 0 &&
           (fl & O_ACCMODE) == O_RDONLY && (fl & O_PATH) == 0;
}

bool refused_file(const JobContext& job, Kernel& kernel, int fd) {
    FileIdentity id;
    if (kernel.identify(fd, id) != 0 || job.self.is_reserved(id)) {
        return true;
    }
    const int64_t type = kernel.fs_type(fd);
    if (type < 0) {
        return true;
    }
    if (type != PROC_SUPER_MAGIC) {
        return false;
    }
    char path[max_path];
    const int64_t n = kernel.fd_path(fd, path, sizeof path);
    if (n <= 0 || static_cast<size_t>(n) >= sizeof path) {
        return true;
    }
    const std::string_view where(path, static_cast<size_t>(n));
    if (!names_proxy_proc(where, [&](int tid) { return tid == job.self.pid || kernel.own_task(tid); })) {
        return false;
    }
    return !job_reads_own_file(job, kernel, fd, where);
}
} // namespace

int64_t check_new_fd(const JobContext& job, Kernel& kernel, NewFd kind, int fd) {
    if (kind == NewFd::none || fd < 0) {
        return 0;
    }
    if (fd >= job.fd_limit) {
        kernel.close(fd);
        return -EMFILE;
    }
    if (kind == NewFd::from_path && refused_file(job, kernel, fd)) {
        kernel.close(fd);
        return -EACCES;
    }
    return 0;
}

} // namespace ck::deleg

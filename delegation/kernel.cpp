#include "kernel.hpp"

#include <cerrno>
#include <cstdio>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

namespace ck::deleg {

namespace {

// syscall(2) and readlink(2) report errors as -1 and errno.
int64_t result(long r) {
    return r == -1 ? -static_cast<int64_t>(errno) : r;
}

class LinuxKernel final : public Kernel {
  public:
    int64_t call(uint64_t nr, const uint64_t (&a)[6]) override {
        return result(::syscall(static_cast<long>(nr), a[0], a[1], a[2], a[3], a[4], a[5]));
    }
    int identify(int fd, FileIdentity& id) override {
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
            return -errno;
        }
        id = {st.st_dev, st.st_ino, st.st_rdev, st.st_mode};
        return 0;
    }
    int64_t fs_type(int fd) override {
        struct statfs sf {};
        if (::fstatfs(fd, &sf) != 0) {
            return -errno;
        }
        return static_cast<int64_t>(sf.f_type);
    }
    int64_t fd_path(int fd, char* buf, size_t size) override {
        char link[32];
        std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        return result(::readlink(link, buf, size));
    }
    bool own_task(int tid) override {
        if (tid == ::gettid()) {
            return true;
        }
        char task[48];
        std::snprintf(task, sizeof task, "/proc/self/task/%d", tid);
        return ::access(task, F_OK) == 0;
    }
    void close(int fd) override { (void)::close(fd); }
};

} // namespace

Kernel& linux_kernel() {
    static LinuxKernel k;
    return k;
}

} // namespace ck::deleg

#include "proxy_self.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ck::deleg {

namespace {
bool is_device(uint32_t mode) {
    return S_ISCHR(mode) || S_ISBLK(mode);
}
} // namespace

bool same_file(const FileIdentity& a, const FileIdentity& b) {
    if (a.dev == b.dev && a.ino == b.ino) {
        return true;
    }
    return is_device(a.mode) && (a.mode & S_IFMT) == (b.mode & S_IFMT) && a.rdev == b.rdev;
}

bool ProxySelf::is_reserved(const FileIdentity& f) const {
    for (size_t i = 0; i < reserved_count; ++i) {
        if (same_file(reserved[i], f)) {
            return true;
        }
    }
    return false;
}

std::optional<ProxySelf> gather_proxy_self(int fd_limit) {
    ProxySelf self;
    self.pid = static_cast<int>(::getpid());
    DIR* dir = ::opendir("/proc/self/fd");
    if (dir == nullptr) {
        return std::nullopt;
    }
    const int own = ::dirfd(dir);
    bool ok = true;
    while (const dirent* e = ::readdir(dir)) {
        char* end = nullptr;
        const long fd = std::strtol(e->d_name, &end, 10);
        if (end == e->d_name || *end != '\0' || fd < fd_limit || fd == own) {
            continue;
        }
        struct stat st {};
        if (::fstat(static_cast<int>(fd), &st) != 0 || self.reserved_count == max_reserved_fds) {
            ok = false;
            break;
        }
        self.reserved[self.reserved_count++] = {st.st_dev, st.st_ino, st.st_rdev, st.st_mode};
    }
    ::closedir(dir);
    if (!ok) {
        return std::nullopt;
    }
    return self;
}

std::string limit_descriptors(int fd_limit) {
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) != 0) {
        return std::string("getrlimit(RLIMIT_NOFILE): ") + std::strerror(errno);
    }
    const auto limit = static_cast<rlim_t>(fd_limit);
    r.rlim_cur = r.rlim_cur < limit ? r.rlim_cur : limit;
    r.rlim_max = r.rlim_max < limit ? r.rlim_max : limit;
    if (::setrlimit(RLIMIT_NOFILE, &r) != 0) {
        return std::string("setrlimit(RLIMIT_NOFILE): ") + std::strerror(errno);
    }
    return "";
}

} // namespace ck::deleg

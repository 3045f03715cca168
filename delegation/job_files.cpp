#include "job_files.hpp"

#include "cpu_files.hpp"
#include "self_files.hpp"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <fcntl.h>
#include <optional>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace ck::deleg {

namespace {

// Linux's text of the opened file (the proxy's status or stat), 64 KiB at most.
std::string linux_text(int fd) {
    std::string text;
    char buf[4096];
    for (off_t at = 0; text.size() < (64u << 10);) {
        const ssize_t n = ::pread(fd, buf, sizeof buf, at);
        if (n <= 0) {
            break;
        }
        text.append(buf, static_cast<size_t>(n));
        at += n;
    }
    return text;
}

// must: the file is one of the job's own, whose Linux content (the proxy's) the job may not read.
std::optional<std::string> content_for(int fd, std::string_view path, const JobContext& job, bool& must) {
    if (job.ncpus != 0) {
        if (auto cpus = cpu_file_content(path, job.ncpus, read_linux_cpuinfo)) {
            return cpus;
        }
    }
    if (job.argv.empty()) {
        return std::nullopt; // nothing known about the job: Linux's files
    }
    const std::string_view name = self_file_name(path, job.self.pid);
    if (name.empty()) {
        return std::nullopt;
    }
    must = true;
    return self_file_content(name, job, name == "status" || name == "stat" ? linux_text(fd) : std::string());
}

// A sealed in-memory file holding content at offset 0; -errno when it cannot be made.
int64_t memory_file(const std::string& content, bool cloexec) {
    const int mem = ::memfd_create("cokernel-job", (cloexec ? MFD_CLOEXEC : 0) | MFD_ALLOW_SEALING);
    if (mem < 0) {
        return -errno;
    }
    if (::write(mem, content.data(), content.size()) != static_cast<ssize_t>(content.size()) ||
        ::lseek(mem, 0, SEEK_SET) != 0 ||
        ::fcntl(mem, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK) != 0) {
        const int e = errno != 0 ? errno : EIO;
        ::close(mem);
        return -e;
    }
    return mem;
}

} // namespace

std::optional<int64_t> open_own_file(const JobContext& job, uint64_t nr, const uint64_t (&args)[6]) {
    constexpr uint64_t NR_OPEN = 2, NR_OPENAT = 257;
    if ((nr != NR_OPEN && nr != NR_OPENAT) || job.argv.empty() || job.self.pid <= 0) {
        return std::nullopt;
    }
    const uint64_t path_arg = args[nr == NR_OPENAT ? 1 : 0];
    const auto flags = static_cast<int>(args[nr == NR_OPENAT ? 2 : 1]);
    constexpr int harmless = O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK | O_LARGEFILE;
    if (path_arg == 0 || (flags & ~harmless) != 0) {
        return std::nullopt; // O_RDONLY is 0: any access mode or other flag goes to Linux
    }
    std::string path = reinterpret_cast<const char*>(static_cast<uintptr_t>(path_arg)); // a scratch copy
    const std::string pid = std::to_string(job.self.pid);
    for (const auto& [link, dir] : {std::pair<std::string, std::string>{"/proc/self/", "/proc/" + pid + "/"},
                                    {"/proc/thread-self/", "/proc/" + pid + "/task/" + pid + "/"}}) {
        if (path.compare(0, link.size(), link) == 0) {
            path = dir + path.substr(link.size());
        }
    }
    const std::string_view name = self_file_name(path, job.self.pid);
    if (name != "cmdline" && name != "environ" && name != "comm" && name != "maps") {
        return std::nullopt;
    }
    const auto content = self_file_content(name, job, "");
    return content ? memory_file(*content, (flags & O_CLOEXEC) != 0) : -EACCES;
}

int64_t replace_job_file(int fd, const JobContext& job) {
    const int fl = ::fcntl(fd, F_GETFL);
    if (fl < 0 || (fl & O_ACCMODE) != O_RDONLY || (fl & O_PATH) != 0) {
        return 0;
    }
    char link[64];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    char target[PATH_MAX];
    const ssize_t n = ::readlink(link, target, sizeof target - 1);
    if (n <= 0) {
        return 0;
    }
    bool must = false;
    const auto content = content_for(fd, std::string_view(target, static_cast<size_t>(n)), job, must);
    if (!content) {
        if (must) {
            ::close(fd);
            return -EACCES; // the proxy's own file, and no job content for it
        }
        return 0;
    }
    const int cloexec = ::fcntl(fd, F_GETFD) & FD_CLOEXEC;
    const int64_t mem = memory_file(*content, true);
    int64_t err = mem < 0 ? mem : 0;
    if (err == 0 && ::dup3(static_cast<int>(mem), fd, cloexec != 0 ? O_CLOEXEC : 0) != fd) {
        err = -errno;
    }
    if (mem >= 0) {
        ::close(static_cast<int>(mem));
    }
    if (err != 0) {
        ::close(fd);
    }
    return err;
}

} // namespace ck::deleg

// The proxy's own descriptors (>= fd_limit) and its /proc directory: a job can neither send, reopen nor
// open them, whatever path leads there; its own descriptors and other processes' /proc entries stay as on
// Linux. The proxy is this test process; its "reserved" descriptor is a temporary file moved above fd_limit.
#include "opened_file.hpp"
#include "test_deleg_fixture.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <string>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace deleg_test;

namespace {

constexpr uint64_t at_fdcwd = static_cast<uint64_t>(static_cast<int64_t>(AT_FDCWD));
constexpr int fd_limit = 500;
constexpr int reserved_fd = 700;

// A file at descriptor 700 standing in for the proxy's /dev/cokernel, and the job context that knows it.
struct Reserved {
    Reserved() {
        char tmpl[] = "/tmp/deleg-reserved-XXXXXX";
        const int fd = ::mkstemp(tmpl);
        REQUIRE(fd >= 0);
        path = tmpl;
        REQUIRE(::dup2(fd, reserved_fd) == reserved_fd);
        ::close(fd);
        auto self = gather_proxy_self(fd_limit);
        REQUIRE(self.has_value());
        context.self = *self;
        context.fd_limit = fd_limit;
    }
    ~Reserved() {
        ::close(reserved_fd);
        ::unlink(path.c_str());
    }
    std::string path;
    JobContext context;
};

bool same_file(int a, int b) {
    struct stat sa {};
    struct stat sb {};
    return ::fstat(a, &sa) == 0 && ::fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

} // namespace

TEST_CASE("gather_proxy_self finds the descriptors at or above fd_limit", "[deleg][reserved]") {
    Reserved r;
    CHECK(r.context.self.pid == ::getpid());
    REQUIRE(r.context.self.reserved_count >= 1);
    struct stat st {};
    REQUIRE(::fstat(reserved_fd, &st) == 0);
    CHECK(r.context.self.is_reserved({st.st_dev, st.st_ino, st.st_rdev, st.st_mode}));
    REQUIRE(::fstat(0, &st) == 0);
    CHECK_FALSE(r.context.self.is_reserved({st.st_dev, st.st_ino, st.st_rdev, st.st_mode}));
    // A device matches by its number too: another node of /dev/null is /dev/null.
    CHECK(same_file({1, 2, 0x103, S_IFCHR | 0666}, {7, 9, 0x103, S_IFCHR | 0600}));
    CHECK_FALSE(same_file({1, 2, 0x103, S_IFCHR | 0666}, {7, 9, 0x103, S_IFBLK | 0600}));
    CHECK_FALSE(same_file({1, 2, 0, S_IFREG}, {1, 3, 0, S_IFREG}));
}

TEST_CASE("limit_descriptors: nothing of the job's lands at or above fd_limit (EMFILE)",
          "[deleg][reserved]") {
    const pid_t child = ::fork(); // the limit is for good: try it in a child
    REQUIRE(child >= 0);
    if (child == 0) {
        const int high = ::fcntl(0, F_DUPFD, 80); // stands for the proxy's device, set up before
        if (high < 80 || !limit_descriptors(64).empty()) {
            ::_exit(10);
        }
        rlimit r{};
        ::getrlimit(RLIMIT_NOFILE, &r);
        int last = -1;
        for (int fd; (fd = ::open("/dev/null", O_RDONLY)) >= 0;) {
            last = fd;
        }
        const int err = errno;
        int sv[2];
        const bool pair_fails = ::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 && errno == EMFILE;
        const bool dup2_fails = ::dup2(0, 64) < 0 && errno == EBADF;
        const bool still_there = ::fcntl(high, F_GETFD) >= 0;
        ::_exit(r.rlim_cur == 64 && r.rlim_max == 64 && last == 63 && err == EMFILE && pair_fails &&
                        dup2_fails && still_there
                    ? 0
                    : 11);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("reopening the proxy's descriptors is refused, the job's own work as on Linux",
          "[deleg][reserved]") {
    Reserved r;
    JobArena job;
    r.context.memory = job.region();
    PolicySet policy;
    Executor ex(r.context, policy);
    const std::string fd_path = "/proc/self/fd/" + std::to_string(reserved_fd);
    const std::string pid_path = "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(reserved_fd);
    for (const std::string& p : {fd_path, pid_path, "/dev/fd/" + std::to_string(reserved_fd), r.path}) {
        INFO(p);
        for (uint64_t flags : {uint64_t{O_RDONLY}, uint64_t{O_RDWR}, uint64_t{O_PATH}}) {
            CHECK(execute(ex, SYS_openat, at_fdcwd, job.str(p), flags) == -EACCES);
        }
        CHECK(execute(ex, SYS_open, job.str(p), O_RDONLY) == -EACCES);
        CHECK(execute(ex, SYS_creat, job.str(p), 0600) == -EACCES);
    }
    auto* how = static_cast<uint64_t*>(job.alloc(24));
    how[0] = O_RDONLY;
    how[1] = 0;
    how[2] = 0;
    CHECK(execute(ex, SYS_openat2, at_fdcwd, job.str(fd_path), JobArena::addr(how), 24) == -EACCES);
    // A symlink made by the job to the magic link.
    const std::string link = r.path + ".link";
    REQUIRE(::symlink(fd_path.c_str(), link.c_str()) == 0);
    CHECK(execute(ex, SYS_openat, at_fdcwd, job.str(link), O_RDONLY) == -EACCES);
    ::unlink(link.c_str());
    CHECK(ex.stats().cell(SYS_openat, Path::refused).count == 13);
    CHECK(ex.stats().cell(SYS_openat2, Path::refused).count == 1);
    CHECK(ex.stats().cell(SYS_creat, Path::refused).count == 4);
    CHECK(ex.stats().cell(SYS_open, Path::refused).count == 4);

    // The job's own descriptors reopen as on Linux (cat /dev/stdin).
    int p[2];
    REQUIRE(::pipe(p) == 0);
    REQUIRE(::write(p[1], "hi", 2) == 2);
    const int64_t again =
        execute(ex, SYS_openat, at_fdcwd, job.str("/proc/self/fd/" + std::to_string(p[0])), O_RDONLY);
    REQUIRE(again >= 0);
    CHECK(same_file(static_cast<int>(again), p[0]));
    char buf[2];
    CHECK(::read(static_cast<int>(again), buf, 2) == 2);
    const int64_t out = execute(ex, SYS_openat, at_fdcwd, job.str("/dev/stderr"), O_WRONLY);
    CHECK(out >= 0);
    for (int64_t fd : {again, out, int64_t{p[0]}, int64_t{p[1]}}) {
        ::close(static_cast<int>(fd));
    }
}

TEST_CASE("the proxy's /proc directory cannot be opened, whichever path leads there", "[deleg][reserved]") {
    Reserved r;
    JobArena job;
    r.context.memory = job.region();
    PolicySet policy;
    Channel c;
    ProxyThread proxy(c, r.context, policy); // served on another thread: thread-self, task/<tid>
    const std::string pid = std::to_string(::getpid());
    for (const std::string& p :
         {std::string("/proc/self/mem"), std::string("/proc/self/maps"), std::string("/proc/self/environ"),
          std::string("/proc/self/pagemap"), std::string("/proc/self/status"),
          std::string("/proc/self/fdinfo/0"), std::string("/proc/self/fd"),
          std::string("/proc/self/map_files"), std::string("/proc/self"),
          std::string("/proc/thread-self/mem"), std::string("/proc/thread-self"), "/proc/" + pid + "/mem",
          "/proc/" + pid + "/task", "/proc/" + pid + "/task/" + pid + "/mem",
          std::string("//proc/./self/mem"), std::string("/proc/self/../self/mem"),
          std::string("/proc/self/task/../mem")}) {
        INFO(p);
        CHECK(proxy.call(SYS_openat, at_fdcwd, job.str(p), O_RDONLY) == -EACCES);
    }
    CHECK(proxy.call(SYS_openat, at_fdcwd, job.str("/proc/self/mem"), O_RDWR) == -EACCES);
    CHECK(proxy.call(SYS_openat, at_fdcwd, job.str("/proc/self"), O_PATH | O_NOFOLLOW) == -EACCES);
    CHECK(proxy.call(SYS_openat, at_fdcwd, job.str("/proc/self/exe"), O_PATH | O_NOFOLLOW) == -EACCES);

    // Through a directory descriptor of /proc, and through a symlink the job made.
    const int64_t procfd = proxy.call(SYS_openat, at_fdcwd, job.str("/proc"), O_RDONLY | O_DIRECTORY);
    REQUIRE(procfd >= 0);
    CHECK(proxy.call(SYS_openat, static_cast<uint64_t>(procfd), job.str("self/mem"), O_RDONLY) == -EACCES);
    CHECK(proxy.call(SYS_openat, static_cast<uint64_t>(procfd), job.str(pid + "/maps"), O_RDONLY) == -EACCES);
    const std::string link = r.path + ".mem";
    REQUIRE(::symlink("/proc/self/mem", link.c_str()) == 0);
    CHECK(proxy.call(SYS_openat, at_fdcwd, job.str(link), O_RDONLY) == -EACCES);
    ::unlink(link.c_str());

    // Other processes and system-wide files stay readable as on Linux; so does the network view.
    for (const char* p : {"/proc/1/stat", "/proc/cpuinfo", "/proc/meminfo", "/proc/net/dev",
                          "/proc/self/net/dev", "/proc/self/cwd"}) {
        INFO(p);
        const int64_t fd = proxy.call(SYS_openat, at_fdcwd, job.str(p), O_RDONLY);
        CHECK(fd >= 0);
        CHECK(proxy.call(SYS_close, static_cast<uint64_t>(fd)) == 0);
    }
    CHECK(proxy.call(SYS_close, static_cast<uint64_t>(procfd)) == 0);
}

TEST_CASE("chdir(\"/proc/self\") then open(\"mem\") is refused", "[deleg][reserved]") {
    JobArena job;
    PolicySet policy;
    Executor ex(job_context(job.region(), 1 << 16), policy);
    char cwd[4096];
    REQUIRE(::getcwd(cwd, sizeof cwd) != nullptr);
    REQUIRE(execute(ex, SYS_chdir, job.str("/proc/self")) == 0);
    const int64_t mem = execute(ex, SYS_open, job.str("mem"), O_RDONLY);
    const int64_t status = execute(ex, SYS_openat, at_fdcwd, job.str("status"), O_RDONLY);
    const int64_t dot = execute(ex, SYS_openat, at_fdcwd, job.str("."), O_RDONLY | O_DIRECTORY);
    REQUIRE(::chdir(cwd) == 0);
    CHECK(mem == -EACCES);
    CHECK(status == -EACCES);
    CHECK(dot == -EACCES);
}

TEST_CASE("names_proxy_proc: which procfs paths are the proxy's", "[deleg][reserved]") {
    auto own = [](int tid) { return tid == 1234 || tid == 1240; };
    for (const char* p : {"/proc/1234", "/proc/1234/mem", "/proc/1234/fd/3", "/proc/1234/task/1240/mem",
                          "/proc/1234/task", "/proc/1240/maps", "/proc/self", "/proc/thread-self",
                          "/proc/1234/task/1234/environ", "/proc/1/fdinfo/1234"}) {
        INFO(p);
        CHECK(names_proxy_proc(p, own));
    }
    for (const char* p :
         {"/proc/1/mem", "/proc/cpuinfo", "/proc/12345/mem", "/proc/123/mem", "/proc/1234/net",
          "/proc/1234/net/dev", "/proc/1234/task/1240/net/tcp", "/proc/sys/kernel/pid_max", "/proc"}) {
        INFO(p);
        CHECK_FALSE(names_proxy_proc(p, own));
    }
}

TEST_CASE("a new descriptor at or above fd_limit is closed: -EMFILE", "[deleg][reserved]") {
    JobArena job;
    PolicySet policy;
    const int next = ::dup(0); // the lowest free descriptor: what the next open gets
    REQUIRE(next >= 0);
    ::close(next);
    Executor ex(job_context(job.region(), next), policy); // everything below fd_limit is taken
    CHECK(execute(ex, SYS_openat, at_fdcwd, job.str("/dev/null"), O_RDONLY) == -EMFILE);
    CHECK(execute(ex, SYS_dup, 0) == -EMFILE);
    CHECK(execute(ex, SYS_socket, AF_UNIX, SOCK_STREAM, 0) == -EMFILE);
    CHECK(execute(ex, SYS_eventfd2, 0, 0) == -EMFILE);
    CHECK(execute(ex, SYS_fcntl, 0, F_DUPFD_CLOEXEC, 0) == -EMFILE);
    const int after = ::dup(0);
    CHECK(after == next); // each was closed again
    ::close(after);
    CHECK(execute(ex, SYS_fcntl, 0, F_GETFD) >= 0); // not a new descriptor: left alone
    CHECK(ex.stats().cell(SYS_dup, Path::refused).count == 1);
}

TEST_CASE("sendmsg: SCM_RIGHTS of a proxy descriptor is -EBADF, malformed lengths -EINVAL",
          "[deleg][reserved]") {
    JobArena job;
    PolicySet policy;
    Executor ex(job_context(job.region(), fd_limit), policy);
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
    auto* data = static_cast<char*>(job.alloc(1));
    auto* iov = static_cast<iovec*>(job.alloc(sizeof(iovec)));
    *iov = {data, 1};
    auto* ctl = static_cast<uint8_t*>(job.alloc(CMSG_SPACE(3 * sizeof(int))));
    auto* msg = static_cast<msghdr*>(job.alloc(sizeof(msghdr)));
    auto send = [&](size_t controllen, std::initializer_list<int> fds, size_t cmsg_len) {
        auto* h = reinterpret_cast<cmsghdr*>(ctl);
        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_RIGHTS;
        h->cmsg_len = cmsg_len;
        size_t k = 0;
        for (int f : fds) {
            std::memcpy(CMSG_DATA(h) + k++ * sizeof(int), &f, sizeof f);
        }
        *msg = msghdr{};
        msg->msg_iov = iov;
        msg->msg_iovlen = 1;
        msg->msg_control = ctl;
        msg->msg_controllen = controllen;
        return execute(ex, SYS_sendmsg, static_cast<uint64_t>(sv[0]), JobArena::addr(msg), MSG_DONTWAIT);
    };
    auto drain = [&] {
        char b;
        alignas(cmsghdr) char in[CMSG_SPACE(3 * sizeof(int))];
        iovec v{&b, 1};
        msghdr m{};
        m.msg_iov = &v;
        m.msg_iovlen = 1;
        m.msg_control = in;
        m.msg_controllen = sizeof in;
        if (::recvmsg(sv[1], &m, MSG_DONTWAIT) < 0) {
            return -1;
        }
        int got = -1;
        for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
            std::memcpy(&got, CMSG_DATA(c), sizeof got);
        }
        return got;
    };
    CHECK(send(CMSG_SPACE(sizeof(int)), {fd_limit}, CMSG_LEN(sizeof(int))) == -EBADF);
    CHECK(send(CMSG_SPACE(2 * sizeof(int)), {0, fd_limit + 200}, CMSG_LEN(2 * sizeof(int))) == -EBADF);
    CHECK(ex.stats().cell(SYS_sendmsg, Path::refused).count == 2);
    CHECK(send(CMSG_SPACE(sizeof(int)), {0}, 8) == -EINVAL); // shorter than a header
    CHECK(send(CMSG_SPACE(sizeof(int)), {0}, CMSG_SPACE(sizeof(int)) + 8) == -EINVAL); // beyond the buffer
    CHECK(send(max_control + 1, {0}, CMSG_LEN(sizeof(int))) == -ENOBUFS); // more than the proxy copies
    CHECK(ex.stats().cell(SYS_sendmsg, Path::rejected).count == 3);
    CHECK(send(8, {fd_limit}, CMSG_LEN(sizeof(int))) == 1); // less than a header: no control message at all
    CHECK(drain() == -1);
    CHECK(send(CMSG_SPACE(sizeof(int)), {0}, CMSG_LEN(sizeof(int))) == 1); // the job's own: as on Linux
    const int got = drain();
    REQUIRE(got >= 0);
    CHECK(same_file(got, 0));
    ::close(got);
    // Outside the job's memory: the control buffer, the msghdr.
    char outside[64] = {};
    *msg = msghdr{};
    msg->msg_control = outside;
    msg->msg_controllen = sizeof outside;
    CHECK(execute(ex, SYS_sendmsg, static_cast<uint64_t>(sv[0]), JobArena::addr(msg), 0) == -EFAULT);
    ::close(sv[0]);
    ::close(sv[1]);
}

TEST_CASE("sendmsg: a job thread rewriting the control message cannot slip a proxy descriptor through",
          "[deleg][reserved]") {
    Reserved r;
    JobArena job;
    r.context.memory = job.region();
    PolicySet policy;
    Executor ex(r.context, policy);
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
    auto* data = static_cast<char*>(job.alloc(1));
    auto* iov = static_cast<iovec*>(job.alloc(sizeof(iovec)));
    *iov = {data, 1};
    auto* ctl = static_cast<cmsghdr*>(job.alloc(CMSG_SPACE(sizeof(int))));
    ctl->cmsg_level = SOL_SOCKET;
    ctl->cmsg_type = SCM_RIGHTS;
    ctl->cmsg_len = CMSG_LEN(sizeof(int));
    auto* slot = reinterpret_cast<std::atomic<int>*>(CMSG_DATA(ctl));
    slot->store(0);
    auto* msg = static_cast<msghdr*>(job.alloc(sizeof(msghdr)));
    *msg = msghdr{};
    msg->msg_iov = iov;
    msg->msg_iovlen = 1;
    msg->msg_control = ctl;
    msg->msg_controllen = CMSG_SPACE(sizeof(int));
    std::atomic<bool> stop{false};
    std::thread flipper([&] { // the job's other thread
        while (!stop.load(std::memory_order_relaxed)) {
            slot->store(0, std::memory_order_relaxed);
            slot->store(reserved_fd, std::memory_order_relaxed);
        }
    });
    int sent = 0;
    int refused = 0;
    int leaked = 0;
    for (int i = 0; i < 3000; ++i) {
        const int64_t rc = execute(ex, SYS_sendmsg, static_cast<uint64_t>(sv[0]), JobArena::addr(msg), 0);
        if (rc == -EBADF) {
            ++refused;
            continue;
        }
        REQUIRE(rc == 1);
        ++sent;
        char b;
        alignas(cmsghdr) char in[CMSG_SPACE(sizeof(int))];
        iovec v{&b, 1};
        msghdr m{};
        m.msg_iov = &v;
        m.msg_iovlen = 1;
        m.msg_control = in;
        m.msg_controllen = sizeof in;
        REQUIRE(::recvmsg(sv[1], &m, 0) == 1);
        int got = -1;
        std::memcpy(&got, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof got);
        leaked += same_file(got, reserved_fd) ? 1 : 0;
        ::close(got);
    }
    stop = true;
    flipper.join();
    CHECK(leaked == 0);
    CHECK(sent + refused == 3000);
    ::close(sv[0]);
    ::close(sv[1]);
}

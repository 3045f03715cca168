// The proxy executor behind a real channel: a proxy thread serves requests that the test thread posts as the
// co-kernel would, with pointers into a buffer standing in for the job's memory. Results are compared with
// the same calls made directly.
#include "test_deleg_fixture.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <random>
#include <set>
#include <span>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

using namespace deleg_test;

namespace {

struct TempDir {
    TempDir() {
        char tmpl[] = "/tmp/deleg-test-XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        for (const char* f : {"/a.txt", "/b.txt", "/sub"}) {
            (void)::unlink((path + f).c_str());
            (void)::rmdir((path + f).c_str());
        }
        (void)::rmdir(path.c_str());
    }
    std::string path;
};

std::set<std::string> dirent_names(const uint8_t* buf, long n) {
    std::set<std::string> names;
    for (long off = 0; off < n;) {
        const auto* d = reinterpret_cast<const dirent64*>(buf + off);
        names.insert(d->d_name);
        off += d->d_reclen;
    }
    return names;
}

constexpr uint64_t at_fdcwd = static_cast<uint64_t>(static_cast<int64_t>(AT_FDCWD));

} // namespace

TEST_CASE("proxy: open/write/read/fstat/getdents64/close match the direct calls", "[deleg][proxy]") {
    TempDir dir;
    JobArena job;
    Channel c;
    PolicySet policy;
    ProxyThread proxy(c, job_context(job.region(), 1 << 16), policy);
    REQUIRE(proxy.check() == ChannelError::ok);

    const uint64_t path = job.str(dir.path + "/a.txt");
    const int64_t fd = proxy.call(SYS_openat, at_fdcwd, path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    const uint64_t text = job.str("hello from the enclave\n");
    CHECK(proxy.call(SYS_write, static_cast<uint64_t>(fd), text, 23) == 23);
    CHECK(proxy.call(SYS_lseek, static_cast<uint64_t>(fd), 0, SEEK_SET) == 0);
    auto* in = static_cast<char*>(job.alloc(64));
    CHECK(proxy.call(SYS_read, static_cast<uint64_t>(fd), JobArena::addr(in), 64) == 23);
    CHECK(std::string(in, 23) == "hello from the enclave\n");

    auto* st = static_cast<struct stat*>(job.alloc(sizeof(struct stat)));
    CHECK(proxy.call(SYS_fstat, static_cast<uint64_t>(fd), JobArena::addr(st)) == 0);
    struct stat direct {};
    REQUIRE(::stat((dir.path + "/a.txt").c_str(), &direct) == 0);
    CHECK(st->st_ino == direct.st_ino);
    CHECK(st->st_size == 23);
    CHECK(st->st_mode == direct.st_mode);
    CHECK(proxy.call(SYS_close, static_cast<uint64_t>(fd)) == 0);
    CHECK(proxy.call(SYS_close, static_cast<uint64_t>(fd)) == -EBADF);

    CHECK(proxy.call(SYS_mkdir, job.str(dir.path + "/sub"), 0700) == 0);
    CHECK(proxy.call(SYS_mkdir, job.str(dir.path + "/sub"), 0700) == -EEXIST);
    CHECK(proxy.call(SYS_openat, at_fdcwd, job.str(dir.path + "/missing"), O_RDONLY) == -ENOENT);

    const int64_t dfd = proxy.call(SYS_openat, at_fdcwd, job.str(dir.path), O_RDONLY | O_DIRECTORY);
    REQUIRE(dfd >= 0);
    auto* dbuf = static_cast<uint8_t*>(job.alloc(4096));
    const int64_t n = proxy.call(SYS_getdents64, static_cast<uint64_t>(dfd), JobArena::addr(dbuf), 4096);
    REQUIRE(n > 0);
    CHECK(dirent_names(dbuf, n) == std::set<std::string>{".", "..", "a.txt", "sub"});
    CHECK(proxy.call(SYS_close, static_cast<uint64_t>(dfd)) == 0);

    const Executor& ex = proxy.executor();
    const uint64_t served = proxy.stop();
    CHECK(served == 13);
    CHECK(ex.stats().cell(SYS_openat, Path::delegated).count == 3);
    CHECK(ex.stats().total_count() == 13);
}

TEST_CASE("proxy: vectored I/O and sockets with nested pointers", "[deleg][proxy]") {
    JobArena job;
    Channel c;
    PolicySet policy;
    ProxyThread proxy(c, job_context(job.region(), 1 << 16), policy);

    auto* fds = static_cast<int*>(job.alloc(8));
    REQUIRE(proxy.call(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, JobArena::addr(fds)) == 0);
    auto* iov = static_cast<iovec*>(job.alloc(2 * sizeof(iovec)));
    iov[0] = {reinterpret_cast<void*>(job.str("abc")), 3};
    iov[1] = {reinterpret_cast<void*>(job.str("defg")), 4};
    CHECK(proxy.call(SYS_writev, static_cast<uint64_t>(fds[0]), JobArena::addr(iov), 2) == 7);

    auto* msg = static_cast<msghdr*>(job.alloc(sizeof(msghdr)));
    auto* riov = static_cast<iovec*>(job.alloc(sizeof(iovec)));
    auto* rbuf = static_cast<char*>(job.alloc(16));
    *riov = {rbuf, 16};
    *msg = msghdr{};
    msg->msg_iov = riov;
    msg->msg_iovlen = 1;
    msg->msg_flags = 0x5555;
    CHECK(proxy.call(SYS_recvmsg, static_cast<uint64_t>(fds[1]), JobArena::addr(msg), 0) == 7);
    CHECK(std::string(rbuf, 7) == "abcdefg");
    CHECK(msg->msg_flags == 0);  // stored back
    CHECK(msg->msg_iov == riov); // the job's own pointer, not the proxy's copy

    auto* addr = static_cast<sockaddr*>(job.alloc(128));
    auto* len = static_cast<socklen_t*>(job.alloc(4));
    *len = 128;
    CHECK(proxy.call(SYS_getsockname, static_cast<uint64_t>(fds[0]), JobArena::addr(addr),
                     JobArena::addr(len)) == 0);
    CHECK(*len == sizeof(sa_family_t)); // unnamed AF_UNIX socket
    CHECK(addr->sa_family == AF_UNIX);

    CHECK(proxy.call(SYS_close, static_cast<uint64_t>(fds[0])) == 0);
    CHECK(proxy.call(SYS_close, static_cast<uint64_t>(fds[1])) == 0);
}

// Bug (issue 16): read(fd, small, 1 << 40) of a 15-byte file was EFAULT; Linux reads the 15 bytes.
TEST_CASE("proxy: read with a length far beyond its buffer reads what there is", "[deleg][proxy]") {
    TempDir dir;
    JobArena job;
    Channel c;
    PolicySet policy;
    ProxyThread proxy(c, job_context(job.region(), 1 << 16), policy);
    const uint64_t end = job.region().base + job.region().size;
    const int64_t fd = proxy.call(SYS_openat, at_fdcwd, job.str(dir.path + "/f"), O_CREAT | O_RDWR, 0600);
    REQUIRE(fd >= 0);
    const auto f = static_cast<uint64_t>(fd);
    CHECK(proxy.call(SYS_write, f, job.str("fifteen bytes!\n"), 15) == 15);
    auto* small = static_cast<char*>(job.alloc(16));
    const uint64_t at = JobArena::addr(small);
    const uint64_t user_end = (uint64_t{1} << 47) - 4096; // what access_ok takes, with 4-level paging
    const uint64_t most = user_end - at;                  // the longest length Linux accepts here
    CHECK(proxy.call(SYS_pread64, f, at, most, 0) == 15);
    CHECK(std::string(small, 15) == "fifteen bytes!\n");
    CHECK(proxy.call(SYS_lseek, f, 0, SEEK_SET) == 0);
    CHECK(proxy.call(SYS_read, f, at, most) == 15);
    CHECK(proxy.call(SYS_pread64, f, end - 4, user_end - (end - 4), 0) == 4); // cut at the end of the memory
    CHECK(proxy.call(SYS_pread64, f, at, most + 1, 0) == -EFAULT);            // past the user half
    CHECK(proxy.call(SYS_pread64, f, at, ~uint64_t{0}, 0) == -EFAULT);
    CHECK(proxy.call(SYS_write, f, at, most) == -EFAULT); // a write needs all of its bytes
    CHECK(proxy.call(SYS_close, f) == 0);
}

TEST_CASE("proxy: malformed requests get errors, never a crash", "[deleg][proxy]") {
    JobArena job;
    Channel c;
    PolicySet policy;
    REQUIRE(policy.deny("getppid").empty());
    const int fd_limit = 100;
    ProxyThread proxy(c, job_context(job.region(), fd_limit), policy);
    const uint64_t base = job.region().base;
    const uint64_t end = base + job.region().size;
    char outside[64] = "outside the job's memory";

    SECTION("unknown, native and denied numbers") {
        CHECK(proxy.call(400) == -ENOSYS);
        CHECK(proxy.call(100000) == -ENOSYS);
        CHECK(proxy.call(SYS_brk, 0) == -ENOSYS);   // native-only: the co-kernel's
        CHECK(proxy.call(SYS_uname, 0) == -ENOSYS); // native unless --delegate=uname
        CHECK(proxy.call(SYS_ptrace, 0) == -EPERM);
        CHECK(proxy.call(SYS_getppid) == -EPERM); // --deny
        CHECK(proxy.call(SYS_getuid) == static_cast<int64_t>(::getuid()));
    }
    SECTION("pointers outside the region") {
        CHECK(proxy.call(SYS_read, 0, JobArena::addr(outside), sizeof outside) == -EFAULT);
        CHECK(proxy.call(SYS_write, 1, end - 4, 8) == -EFAULT);              // straddles the end
        CHECK(proxy.call(SYS_write, 1, base - 1, 1) == -EFAULT);             // just below
        CHECK(proxy.call(SYS_write, 1, base + 64, ~uint64_t{0}) == -EFAULT); // length overflows
        CHECK(proxy.call(SYS_fstat, 0, end - 100) == -EFAULT);               // struct stat does not fit
        CHECK(proxy.call(SYS_write, 1, JobArena::addr(outside), 0) == 0);    // empty: nothing to check
        auto* iov = static_cast<iovec*>(job.alloc(2 * sizeof(iovec)));
        iov[0] = {reinterpret_cast<void*>(job.str("ok")), 2};
        iov[1] = {outside, 8};
        CHECK(proxy.call(SYS_writev, 1, JobArena::addr(iov), 2) == -EFAULT);
        CHECK(proxy.call(SYS_writev, 1, JobArena::addr(iov), 5000) == -EINVAL);
        auto* len = static_cast<socklen_t*>(job.alloc(4));
        *len = 1u << 30; // the buffer length comes from job memory: bigger than the region
        CHECK(proxy.call(SYS_getsockname, 0, base, JobArena::addr(len)) == -EFAULT);
        CHECK(proxy.call(SYS_getsockname, 0, base, JobArena::addr(outside)) == -EFAULT);
        auto* msg = static_cast<msghdr*>(job.alloc(sizeof(msghdr)));
        *msg = msghdr{};
        msg->msg_iov = reinterpret_cast<iovec*>(outside);
        msg->msg_iovlen = 1;
        CHECK(proxy.call(SYS_sendmsg, 0, JobArena::addr(msg), 0) == -EFAULT);
    }
    SECTION("strings") {
        auto* tail = reinterpret_cast<char*>(end - 5);
        std::memcpy(tail, "abcde", 5); // no NUL before the end of the region
        CHECK(proxy.call(SYS_openat, at_fdcwd, end - 5, O_RDONLY) == -EFAULT);
        CHECK(proxy.call(SYS_openat, at_fdcwd, JobArena::addr(outside), O_RDONLY) == -EFAULT);
        auto* big = static_cast<char*>(job.alloc(8192));
        std::memset(big, 'x', 8192);
        CHECK(proxy.call(SYS_openat, at_fdcwd, JobArena::addr(big), O_RDONLY) == -ENAMETOOLONG);
        CHECK(proxy.call(SYS_rename, job.str("/nonexistent/a"), end - 5) == -EFAULT);
    }
    SECTION("file descriptors, flags and commands the proxy cannot check") {
        CHECK(proxy.call(SYS_close, fd_limit) == -EBADF);
        CHECK(proxy.call(SYS_dup2, 0, fd_limit + 5) == -EBADF);
        CHECK(proxy.call(SYS_fcntl, 0, F_DUPFD, fd_limit) == -EINVAL);
        CHECK(proxy.call(SYS_fcntl, 0, 0x7777, 0) == -EPERM);
        CHECK(proxy.call(SYS_fcntl, 0, F_GETLK, JobArena::addr(outside)) == -EFAULT);
        CHECK(proxy.call(SYS_ioctl, 0, 0x54ff, 0) == -ENOTTY); // not on the list
        CHECK(proxy.call(SYS_ioctl, 0, TIOCGWINSZ, JobArena::addr(outside)) ==
              -EFAULT); // known size, outside
    }
    CHECK(proxy.call(SYS_getuid) == static_cast<int64_t>(::getuid())); // the channel still works
}

TEST_CASE("proxy: request flags must be zero", "[deleg][proxy]") {
    JobArena job;
    Channel c;
    PolicySet policy;
    Executor ex(job_context(job.region(), 1 << 16), policy);
    cokernel_deleg_request r{};
    r.nr = SYS_getuid;
    CHECK(ex.execute(r) == static_cast<int64_t>(::getuid()));
    r.flags = 0x80;
    CHECK(ex.execute(r) == -EINVAL);
    CHECK(ex.stats().cell(SYS_getuid, Path::rejected).count == 1);
}

TEST_CASE("proxy: random arguments to path and buffer syscalls fail cleanly", "[deleg][proxy]") {
    JobArena job(1 << 16);
    PolicySet policy;
    Executor ex(job_context(job.region(), 0), policy); // fd_limit 0: no descriptor may be named
    std::mt19937_64 rng(7);
    const uint64_t base = job.region().base;
    const uint32_t nrs[] = {SYS_stat,     SYS_lstat,     SYS_access,     SYS_statfs,    SYS_getcwd,
                            SYS_readlink, SYS_getresuid, SYS_sysinfo,    SYS_getgroups, SYS_read,
                            SYS_writev,   SYS_recvmsg,   SYS_getsockname};
    for (auto& b : std::span(job.mem.p, job.mem.size)) {
        b = static_cast<uint8_t>(rng() % 4 == 0 ? 0 : rng());
    }
    int ok = 0;
    for (int i = 0; i < 20000; ++i) {
        cokernel_deleg_request r{};
        r.nr = nrs[rng() % std::size(nrs)];
        for (uint64_t& a : r.args) {
            switch (rng() % 4) {
            case 0:
                a = base + rng() % (job.mem.size + 64) - 32;
                break;
            case 1:
                a = rng();
                break;
            default:
                a = rng() % 256;
            }
        }
        const int64_t ret = ex.execute(r);
        ok += ret >= 0;
        CHECK(ret >= -4095);
    }
    CHECK(ex.stats().total_count() == 20000);
}

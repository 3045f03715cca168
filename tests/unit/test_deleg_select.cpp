// select/pselect6 and poll/ppoll/epoll_pwait through the proxy: fd_sets sized by nfds and clamped at
// fd_limit, sigmasks checked as Linux checks them and never handed to Linux (they would mask the proxy's
// signals), poll entries naming the proxy's descriptors polled as closed ones.
#include "test_deleg_fixture.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <climits>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <unistd.h>

using namespace deleg_test;

namespace {
struct Pipe {
    Pipe() { REQUIRE(::pipe(fd) == 0); }
    ~Pipe() {
        ::close(fd[0]);
        ::close(fd[1]);
    }
    int fd[2];
};
uint64_t u(int v) {
    return static_cast<uint64_t>(v);
}
} // namespace

TEST_CASE("select and pselect6 are delegated: timeouts, readable pipes, as on Linux", "[deleg][select]") {
    CHECK(syscall_info(SYS_pselect6)->policy == Policy::delegated);
    JobArena job;
    PolicySet policy;
    Executor ex(job_context(job.region(), 1 << 16), policy);
    Pipe p;
    auto* set = static_cast<fd_set*>(job.alloc(sizeof(fd_set)));
    auto* tv = static_cast<timeval*>(job.alloc(sizeof(timeval)));
    auto* ts = static_cast<timespec*>(job.alloc(sizeof(timespec)));
    FD_ZERO(set);
    FD_SET(p.fd[0], set);
    *tv = {0, 1000};
    CHECK(execute(ex, SYS_select, u(p.fd[0] + 1), JobArena::addr(set), 0, 0, JobArena::addr(tv)) == 0);
    CHECK_FALSE(FD_ISSET(p.fd[0], set)); // written back: nothing ready
    *ts = {0, 1000};
    FD_SET(p.fd[0], set);
    CHECK(execute(ex, SYS_pselect6, u(p.fd[0] + 1), JobArena::addr(set), 0, 0, JobArena::addr(ts), 0) == 0);
    REQUIRE(::write(p.fd[1], "x", 1) == 1);
    FD_SET(p.fd[0], set);
    *tv = {1, 0};
    CHECK(execute(ex, SYS_select, u(p.fd[0] + 1), JobArena::addr(set), 0, 0, JobArena::addr(tv)) == 1);
    CHECK(FD_ISSET(p.fd[0], set));
    CHECK(execute(ex, SYS_select, u(-1), 0, 0, 0, JobArena::addr(tv)) == -EINVAL);
    CHECK(execute(ex, SYS_pselect6, u(-1), 0, 0, 0, JobArena::addr(ts), 0) == -EINVAL);
}

TEST_CASE("select: an fd_set is (nfds + 63) / 64 * 8 bytes, not 128", "[deleg][select]") {
    JobArena job;
    PolicySet policy;
    RecordingKernel k;
    Executor ex(job_context(job.region(), 1000), policy, k);
    const uint64_t end = job.region().base + job.region().size;
    CHECK(execute(ex, SYS_select, 8, end - 8, end - 8, end - 8, 0) == 0); // one word at the very end
    CHECK(k.calls == 1);
    CHECK(execute(ex, SYS_select, 65, end - 8, 0, 0, 0) == -EFAULT); // two words do not fit
    CHECK(execute(ex, SYS_pselect6, 64, 0, 0, end - 8, 0, 0) == 0);
    CHECK(execute(ex, SYS_pselect6, 64, 0, 0, end - 7, 0, 0) == -EFAULT);
    CHECK(execute(ex, SYS_select, 0, end + 4096, end + 4096, end + 4096, 0) == 0); // nfds 0 reads nothing
    // nfds above fd_limit: the kernel gets fd_limit; it never looks at the proxy's descriptors.
    CHECK(execute(ex, SYS_select, 5000, end - 128, 0, 0, 0) == 0);
    CHECK(k.args[0] == 1000);
    CHECK(execute(ex, SYS_select, 5000, end - 120, 0, 0, 0) == -EFAULT);             // 1000 bits are 16 words
    CHECK(execute(ex, SYS_select, (uint64_t{7} << 32) | 10, end - 8, 0, 0, 0) == 0); // int nfds, as Linux
    CHECK(k.args[0] == 10);
}

TEST_CASE("select: bits at or above fd_limit are ignored and come back cleared", "[deleg][select]") {
    JobArena job;
    PolicySet policy;
    Pipe p;
    REQUIRE(::write(p.fd[1], "x", 1) == 1);
    const int limit = p.fd[0]; // the readable pipe stands for a proxy descriptor
    Executor ex(job_context(job.region(), limit), policy);
    auto* set = static_cast<fd_set*>(job.alloc(sizeof(fd_set)));
    auto* tv = static_cast<timeval*>(job.alloc(sizeof(timeval)));
    FD_ZERO(set);
    FD_SET(p.fd[0], set);
    *tv = {0, 0};
    CHECK(execute(ex, SYS_select, FD_SETSIZE, JobArena::addr(set), 0, 0, JobArena::addr(tv)) == 0);
    CHECK_FALSE(FD_ISSET(p.fd[0], set));
}

TEST_CASE("pselect6: the sigmask pack is checked and never handed to Linux", "[deleg][select]") {
    JobArena job;
    PolicySet policy;
    RecordingKernel k;
    Executor ex(job_context(job.region(), 1000), policy, k);
    auto* mask = static_cast<uint64_t*>(job.alloc(8));
    *mask = ~uint64_t{0};
    auto* pack = static_cast<uint64_t*>(job.alloc(16));
    char outside[16];
    const uint64_t end = job.region().base + job.region().size;
    pack[0] = JobArena::addr(mask);
    pack[1] = 8;
    CHECK(execute(ex, SYS_pselect6, 0, 0, 0, 0, 0, JobArena::addr(pack)) == 0);
    CHECK(k.args[5] == 0);
    pack[1] = 4;
    CHECK(execute(ex, SYS_pselect6, 0, 0, 0, 0, 0, JobArena::addr(pack)) == -EINVAL);
    pack[0] = 0; // no mask: the size does not matter (as on Linux)
    CHECK(execute(ex, SYS_pselect6, 0, 0, 0, 0, 0, JobArena::addr(pack)) == 0);
    pack[0] = JobArena::addr(outside);
    pack[1] = 8;
    CHECK(execute(ex, SYS_pselect6, 0, 0, 0, 0, 0, JobArena::addr(pack)) == -EFAULT);
    CHECK(execute(ex, SYS_pselect6, 0, 0, 0, 0, 0, JobArena::addr(outside)) == -EFAULT);
    CHECK(execute(ex, SYS_pselect6, 0, 0, 0, 0, 0, end - 8) == -EFAULT);
    CHECK(k.calls == 2);
}

TEST_CASE("ppoll and epoll_pwait: sigmasks checked and dropped", "[deleg][select]") {
    JobArena job;
    PolicySet policy;
    RecordingKernel k;
    Executor ex(job_context(job.region(), 1000), policy, k);
    auto* mask = static_cast<uint64_t*>(job.alloc(8));
    char outside[8];
    CHECK(execute(ex, SYS_ppoll, 0, 0, 0, JobArena::addr(mask), 8) == 0);
    CHECK(k.args[3] == 0);
    CHECK(execute(ex, SYS_ppoll, 0, 0, 0, JobArena::addr(mask), 16) == -EINVAL);
    CHECK(execute(ex, SYS_ppoll, 0, 0, 0, JobArena::addr(outside), 8) == -EFAULT);
    CHECK(execute(ex, SYS_ppoll, 0, 0, 0, 0, 77) == 0); // no mask, any size
    CHECK(execute(ex, SYS_epoll_pwait, 3, 0, 0, 0, JobArena::addr(mask), 8) == 0);
    CHECK(k.args[4] == 0);
    CHECK(execute(ex, SYS_epoll_pwait2, 3, 0, 0, 0, JobArena::addr(mask), 8) == 0);
    CHECK(k.args[4] == 0);
    CHECK(execute(ex, SYS_epoll_pwait, 3, 0, 0, 0, JobArena::addr(mask), 4) == -EINVAL);
}

TEST_CASE("poll: a proxy descriptor is polled as a closed one; only revents are stored back",
          "[deleg][select]") {
    JobArena job;
    PolicySet policy;
    Pipe p;
    REQUIRE(::write(p.fd[1], "x", 1) == 1);
    const int limit = p.fd[0] + 1;
    Executor ex(job_context(job.region(), limit), policy);
    auto* fds = static_cast<pollfd*>(job.alloc(3 * sizeof(pollfd)));
    const int proxy_fd = ::dup2(p.fd[0], limit + 5); // ready, but the proxy's
    REQUIRE(proxy_fd == limit + 5);
    fds[0] = {p.fd[0], POLLIN, 0};
    fds[1] = {proxy_fd, POLLIN, 0};
    fds[2] = {-1, POLLIN, 0};
    CHECK(execute(ex, SYS_poll, JobArena::addr(fds), 3, 0) == 2);
    CHECK(fds[0].revents == POLLIN);
    CHECK(fds[1].revents == POLLNVAL);
    CHECK(fds[1].fd == proxy_fd); // the job's array keeps its own numbers
    CHECK(fds[2].revents == 0);
    auto* ts = static_cast<timespec*>(job.alloc(sizeof(timespec)));
    *ts = {0, 0};
    CHECK(execute(ex, SYS_ppoll, JobArena::addr(fds), 3, JobArena::addr(ts), 0, 8) == 2);
    CHECK(fds[1].revents == POLLNVAL);
    CHECK(execute(ex, SYS_poll, JobArena::addr(fds), static_cast<uint64_t>(limit) + 1, 0) == -EINVAL);
    CHECK(execute(ex, SYS_poll, job.region().base + job.region().size - 16, 3, 0) == -EFAULT);
    ::close(proxy_fd);
}

// What a job may do to the proxy's process and its sockets: RLIMIT_NOFILE stays at or below fd_limit,
// setpgid names only the job, socket families and options with nested pointers are refused or copied.
#include "socket_rules.hpp"
#include "test_deleg_fixture.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <linux/netfilter_bridge/ebtables.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <linux/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

using namespace deleg_test;

TEST_CASE("setrlimit/prlimit64: RLIMIT_NOFILE may not go above fd_limit", "[deleg][process]") {
    rlimit now{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &now) == 0);
    REQUIRE(now.rlim_max < (1u << 30));
    const int limit = static_cast<int>(now.rlim_max); // this process's hard limit plays fd_limit
    JobArena job;
    PolicySet policy;
    Executor ex(job_context(job.region(), limit), policy);
    auto* r = static_cast<rlimit*>(job.alloc(sizeof(rlimit)));
    *r = now;
    CHECK(execute(ex, SYS_setrlimit, RLIMIT_NOFILE, JobArena::addr(r)) == 0); // the same: allowed
    *r = {now.rlim_cur, now.rlim_max + 1};
    CHECK(execute(ex, SYS_setrlimit, RLIMIT_NOFILE, JobArena::addr(r)) == -EPERM);
    *r = {RLIM_INFINITY, RLIM_INFINITY};
    CHECK(execute(ex, SYS_prlimit64, 0, RLIMIT_NOFILE, JobArena::addr(r), 0) == -EPERM);
    CHECK(execute(ex, SYS_prlimit64, static_cast<uint64_t>(::getpid()), RLIMIT_NOFILE, JobArena::addr(r),
                  0) == -EPERM);
    CHECK(ex.stats().cell(SYS_setrlimit, Path::refused).count == 1);
    CHECK(ex.stats().cell(SYS_prlimit64, Path::refused).count == 2);
    auto* old = static_cast<rlimit*>(job.alloc(sizeof(rlimit)));
    CHECK(execute(ex, SYS_prlimit64, 0, RLIMIT_NOFILE, 0, JobArena::addr(old)) == 0); // reading is fine
    CHECK(old->rlim_max == now.rlim_max);
    // Other resources are Linux's business; a bad pointer is -EFAULT.
    rlimit stack{};
    REQUIRE(::getrlimit(RLIMIT_STACK, &stack) == 0);
    *r = stack;
    CHECK(execute(ex, SYS_setrlimit, RLIMIT_STACK, JobArena::addr(r)) == 0);
    char outside[16];
    CHECK(execute(ex, SYS_setrlimit, RLIMIT_NOFILE, JobArena::addr(outside)) == -EFAULT);
}

TEST_CASE("setrlimit: the limit the kernel gets is the proxy's copy", "[deleg][process]") {
    JobArena job;
    PolicySet policy;
    RecordingKernel k;
    Executor ex(job_context(job.region(), 1000), policy, k);
    auto* r = static_cast<rlimit*>(job.alloc(sizeof(rlimit)));
    *r = {100, 1000};
    CHECK(execute(ex, SYS_setrlimit, RLIMIT_NOFILE, JobArena::addr(r)) == 0);
    CHECK(k.args[1] == JobArena::addr(&ex.scratch().rlim));
    CHECK(ex.scratch().rlim.rlim_max == 1000);
}

TEST_CASE("setpgid names only the job itself", "[deleg][process]") {
    JobArena job;
    PolicySet policy;
    Executor ex(job_context(job.region(), 1000), policy);
    const auto pgrp = static_cast<uint64_t>(::getpgrp());
    CHECK(execute(ex, SYS_setpgid, 0, pgrp) == 0); // stays in its own group
    CHECK(execute(ex, SYS_setpgid, static_cast<uint64_t>(::getpid()), pgrp) == 0);
    CHECK(execute(ex, SYS_setpgid, 1, 1) == -ESRCH);
    CHECK(execute(ex, SYS_setpgid, static_cast<uint64_t>(::getppid()), pgrp) == -ESRCH);
    CHECK(ex.stats().cell(SYS_setpgid, Path::refused).count == 2);
}

TEST_CASE("socket families and options with nested pointers", "[deleg][process]") {
    CHECK(refused_families[0].family == AF_RDS);
    CHECK(refused_families[1].family == AF_XDP);
    CHECK(refused_sockopts[0].level == IPPROTO_IP);
    CHECK(refused_sockopts[0].name == IPT_SO_SET_REPLACE);
    CHECK(refused_sockopts[2].name == EBT_SO_SET_ENTRIES);
    CHECK(refused_sockopts[3].name == EBT_SO_SET_COUNTERS);
    CHECK(refused_sockopts[4].name == EBT_SO_GET_ENTRIES);
    CHECK(refused_sockopts[5].name == EBT_SO_GET_INIT_ENTRIES);
    CHECK(refused_sockopts[6].level == IPPROTO_IPV6);
    CHECK(refused_sockopts[6].name == IP6T_SO_SET_REPLACE);
    CHECK(refused_sockopts[7].level == IPPROTO_TCP);
    CHECK(refused_sockopts[7].name == TCP_ZEROCOPY_RECEIVE);
    CHECK(refused_sockopts[8].level == SOL_PACKET);
    CHECK(refused_sockopts[8].name == PACKET_FANOUT_DATA);
    CHECK(refused_sockopts[9].level == SOL_RDS);
    CHECK(refused_sockopts[10].level == SOL_XDP);
    CHECK(refused_cmsg_level == SOL_RDS);

    JobArena job;
    PolicySet policy;
    Executor ex(job_context(job.region(), 1000), policy);
    CHECK(execute(ex, SYS_socket, AF_XDP, SOCK_RAW, 0) == -EAFNOSUPPORT);
    CHECK(execute(ex, SYS_socket, AF_RDS, SOCK_SEQPACKET, 0) == -EAFNOSUPPORT);
    auto* pair = static_cast<int*>(job.alloc(8));
    CHECK(execute(ex, SYS_socketpair, AF_RDS, SOCK_SEQPACKET, 0, JobArena::addr(pair)) == -EAFNOSUPPORT);
    const int64_t s = execute(ex, SYS_socket, AF_INET, SOCK_STREAM, 0);
    REQUIRE(s >= 0);
    const auto fd = static_cast<uint64_t>(s);
    auto* opt = static_cast<uint8_t*>(job.alloc(256));
    auto* len = static_cast<socklen_t*>(job.alloc(4));
    *len = 256;
    CHECK(execute(ex, SYS_getsockopt, fd, IPPROTO_TCP, TCP_ZEROCOPY_RECEIVE, JobArena::addr(opt),
                  JobArena::addr(len)) == -EPERM);
    CHECK(execute(ex, SYS_setsockopt, fd, IPPROTO_IP, IPT_SO_SET_REPLACE, JobArena::addr(opt), 256) ==
          -EPERM);
    CHECK(execute(ex, SYS_getsockopt, fd, IPPROTO_IP, EBT_SO_GET_ENTRIES, JobArena::addr(opt),
                  JobArena::addr(len)) == -EPERM);
    CHECK(execute(ex, SYS_setsockopt, fd, SOL_XDP, 4, JobArena::addr(opt), 32) == -EPERM);
    CHECK(ex.stats().cell(SYS_setsockopt, Path::refused).count == 2);
    int one = 1;
    std::memcpy(opt, &one, sizeof one);
    CHECK(execute(ex, SYS_setsockopt, fd, SOL_SOCKET, SO_REUSEADDR, JobArena::addr(opt), 4) == 0);
    *len = 4;
    CHECK(execute(ex, SYS_getsockopt, fd, SOL_SOCKET, SO_REUSEADDR, JobArena::addr(opt),
                  JobArena::addr(len)) == 0);
    CHECK(*len == 4);
    int bpf_fd = 1000;
    std::memcpy(opt, &bpf_fd, sizeof bpf_fd);
    CHECK(execute(ex, SYS_setsockopt, fd, SOL_SOCKET, SO_ATTACH_BPF, JobArena::addr(opt), 4) == -EBADF);
    CHECK(execute(ex, SYS_close, fd) == 0);
}

TEST_CASE("SO_ATTACH_FILTER: the program must lie in job memory; the kernel reads the proxy's copy",
          "[deleg][process]") {
    JobArena job;
    PolicySet policy;
    Executor ex(job_context(job.region(), 1000), policy);
    const int64_t s = execute(ex, SYS_socket, AF_INET, SOCK_DGRAM, 0);
    REQUIRE(s >= 0);
    const auto fd = static_cast<uint64_t>(s);
    auto* insns = static_cast<sock_filter*>(job.alloc(2 * sizeof(sock_filter)));
    insns[0] = BPF_STMT(BPF_RET | BPF_K, 0xffff);
    auto* prog = static_cast<sock_fprog*>(job.alloc(sizeof(sock_fprog)));
    *prog = {1, insns};
    CHECK(execute(ex, SYS_setsockopt, fd, SOL_SOCKET, SO_ATTACH_FILTER, JobArena::addr(prog), sizeof *prog) ==
          0);
    sock_filter outside[1] = {BPF_STMT(BPF_RET | BPF_K, 0)}; // the proxy's memory
    *prog = {1, outside};
    CHECK(execute(ex, SYS_setsockopt, fd, SOL_SOCKET, SO_ATTACH_FILTER, JobArena::addr(prog), sizeof *prog) ==
          -EFAULT);
    *prog = {4,
             reinterpret_cast<sock_filter*>(job.region().base + job.region().size - 3 * sizeof(sock_filter))};
    CHECK(execute(ex, SYS_setsockopt, fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, JobArena::addr(prog),
                  sizeof *prog) == -EFAULT);
    CHECK(execute(ex, SYS_close, fd) == 0);
}

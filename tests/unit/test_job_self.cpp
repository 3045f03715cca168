// readlink("/proc/self/exe") from a job names its program (delegation/job_self.hpp), through the executor as
// the proxy runs it; other links go to Linux untouched.
#include "job_self.hpp"
#include "test_deleg_fixture.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace deleg_test;

namespace {

constexpr uint32_t NR_READLINK = 89, NR_READLINKAT = 267;
constexpr int64_t AT_FDCWD_VALUE = -100;

struct SelfFixture {
    SelfFixture() : job(job_context(arena.region(), 1000)) {
        job.exe = "/root/bin/my job";
        job.self.pid = 4242;
    }
    JobArena arena;
    JobContext job;
    PolicySet policy;
    RecordingKernel kernel;
};

} // namespace

TEST_CASE("the job's exe links are recognised, nothing else", "[job_self]") {
    CHECK(is_self_exe_link("/proc/self/exe", 4242));
    CHECK(is_self_exe_link("/proc/thread-self/exe", 4242));
    CHECK(is_self_exe_link("/proc/4242/exe", 4242));
    CHECK_FALSE(is_self_exe_link("/proc/4243/exe", 4242));
    CHECK_FALSE(is_self_exe_link("/proc/self/cwd", 4242));
    CHECK_FALSE(is_self_exe_link("/proc/self/exe/", 4242));
    CHECK_FALSE(is_self_exe_link("proc/self/exe", 4242));
    CHECK_FALSE(is_self_exe_link("/proc/0/exe", 0));
}

TEST_CASE("readlink of /proc/self/exe answers the job's program, as readlink would", "[job_self]") {
    SelfFixture f;
    Executor ex(f.job, f.policy, f.kernel);
    auto* buf = static_cast<char*>(f.arena.alloc(64));
    std::memset(buf, 'x', 64);
    CHECK(execute(ex, NR_READLINK, f.arena.str("/proc/self/exe"), JobArena::addr(buf), 64) == 16);
    CHECK(std::string(buf, 17) == "/root/bin/my jobx"); // no NUL written
    CHECK(f.kernel.calls == 0);
    // Truncated to the buffer, readlinkat with an absolute path, the pid's own link.
    std::memset(buf, 'x', 64);
    CHECK(execute(ex, NR_READLINKAT, static_cast<uint64_t>(AT_FDCWD_VALUE), f.arena.str("/proc/4242/exe"),
                  JobArena::addr(buf), 5) == 5);
    CHECK(std::string(buf, 6) == "/rootx");
    // Linux's errors: a size of 0 (EINVAL), a buffer outside the job's memory (EFAULT, as the validator
    // says).
    CHECK(execute(ex, NR_READLINK, f.arena.str("/proc/self/exe"), JobArena::addr(buf), 0) == -EINVAL);
    CHECK(execute(ex, NR_READLINK, f.arena.str("/proc/self/exe"), 0x10, 64) == -EFAULT);
    CHECK(f.kernel.calls == 0);
}

TEST_CASE("other links, and a proxy that does not know the program, go to Linux", "[job_self]") {
    SelfFixture f;
    auto* buf = static_cast<char*>(f.arena.alloc(64));
    {
        Executor ex(f.job, f.policy, f.kernel);
        f.kernel.result = 3;
        CHECK(execute(ex, NR_READLINK, f.arena.str("/proc/self/cwd"), JobArena::addr(buf), 64) == 3);
        CHECK(f.kernel.last_nr == NR_READLINK);
        CHECK(execute(ex, NR_READLINK, f.arena.str("/proc/4243/exe"), JobArena::addr(buf), 64) == 3);
        CHECK(f.kernel.calls == 2);
    }
    f.job.exe.clear();
    Executor ex(f.job, f.policy, f.kernel);
    CHECK(execute(ex, NR_READLINK, f.arena.str("/proc/self/exe"), JobArena::addr(buf), 64) == 3);
    CHECK(f.kernel.calls == 3);
}

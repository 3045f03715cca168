// The job's own /proc files as the proxy answers them (delegation/self_files.hpp).
#include "self_files.hpp"

#include "job_files.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <string>
#include <unistd.h>

using ck::deleg::JobContext;
using ck::deleg::self_file_content;
using ck::deleg::self_file_name;

namespace {

JobContext job() {
    JobContext j;
    j.memory = {0x400000, 256ull << 20};
    j.ncpus = 2;
    j.self.pid = 812;
    j.exe = "/usr/bin/python3.11";
    j.comm = "python3";
    j.argv = {"python3", "-c", "print(1)"};
    j.envp = {"HOME=/root", "LANG=C"};
    return j;
}

} // namespace

TEST_CASE("self files: which paths are the job's own", "[deleg][self_files]") {
    CHECK(self_file_name("/proc/812/cmdline", 812) == "cmdline");
    CHECK(self_file_name("/proc/812/status", 812) == "status");
    CHECK(self_file_name("/proc/812/task/815/stat", 812) == "stat"); // /proc/thread-self/stat resolves so
    CHECK(self_file_name("/proc/812/maps", 812) == "maps");
    CHECK(self_file_name("/proc/8120/cmdline", 812).empty()); // another process
    CHECK(self_file_name("/proc/81/cmdline", 812).empty());
    CHECK(self_file_name("/proc/812/fdinfo", 812).empty()); // not one of ours
    CHECK(self_file_name("/proc/812/task/x/stat", 812).empty());
    CHECK(self_file_name("/proc/812/task/815", 812).empty());
    CHECK(self_file_name("/proc/812/cmdline/x", 812).empty());
    CHECK(self_file_name("/tmp/proc/812/cmdline", 812).empty());
    CHECK(self_file_name("/proc/812/cmdline", 0).empty()); // pid unknown
}

TEST_CASE("self files: cmdline, environ and comm are the job's", "[deleg][self_files]") {
    const JobContext j = job();
    CHECK(self_file_content("cmdline", j, "") == std::string("python3\0-c\0print(1)\0", 20));
    CHECK(self_file_content("environ", j, "") == std::string("HOME=/root\0LANG=C\0", 18));
    CHECK(self_file_content("comm", j, "") == std::string("python3\n"));
    JobContext unnamed = j;
    unnamed.comm.clear();
    unnamed.exe = "/opt/a-program-with-a-long-name";
    CHECK(self_file_content("comm", unnamed, "") == std::string("a-program-with-\n")); // 15 bytes
}

TEST_CASE("self files: status and stat are the proxy's with the job's name and CPUs", "[deleg][self_files]") {
    const JobContext j = job();
    const std::string status = "Name:\tcokernel\nUmask:\t0022\nPid:\t812\nCpus_allowed:\tff\n"
                               "Cpus_allowed_list:\t0-7\nMems_allowed_list:\t0\n";
    CHECK(self_file_content("status", j, status) ==
          std::string("Name:\tpython3\nUmask:\t0022\nPid:\t812\nCpus_allowed:\t3\n"
                      "Cpus_allowed_list:\t0-1\nMems_allowed_list:\t0\n"));
    JobContext wide = j;
    wide.ncpus = 40;
    CHECK(self_file_content("status", wide, "Cpus_allowed:\tff\n") ==
          std::string("Cpus_allowed:\tff,ffffffff\n"));
    CHECK(self_file_content("stat", j, "812 (cokernel) S 1 812 812 0 -1\n") ==
          std::string("812 (python3) S 1 812 812 0 -1\n"));
    CHECK(self_file_content("stat", j, "812 (a) b) R 1\n") == std::string("812 (python3) R 1\n"));
    CHECK_FALSE(self_file_content("stat", j, "garbage").has_value());
}

TEST_CASE("self files: maps shows the job's memory with the stack at its top", "[deleg][self_files]") {
    const auto maps = self_file_content("maps", job(), "");
    REQUIRE(maps.has_value());
    CHECK(*maps == "00400000-0fc00000 rwxp 00000000 00:00 0\n"
                   "0fc00000-10400000 rw-p 00000000 00:00 0                    [stack]\n");
}

// Bug: as --user nobody the proxy (not dumpable after its change of user) could not open its own
// /proc/self/environ, so the job got EACCES where Linux gives it its environment.
TEST_CASE("self files: open_own_file makes the job's file without opening the proxy's",
          "[deleg][self_files]") {
    const JobContext j = job();
    const char* environ_path = "/proc/self/environ";
    const uint64_t open_environ[6] = {static_cast<uint64_t>(AT_FDCWD),
                                      reinterpret_cast<uint64_t>(environ_path),
                                      O_RDONLY | O_CLOEXEC,
                                      0,
                                      0,
                                      0};
    const auto fd = ck::deleg::open_own_file(j, 257, open_environ);
    REQUIRE(fd.has_value());
    REQUIRE(*fd >= 0);
    char buf[64] = {};
    CHECK(::read(static_cast<int>(*fd), buf, sizeof buf) == 18);
    CHECK(std::string(buf, 18) == std::string("HOME=/root\0LANG=C\0", 18));
    CHECK((::fcntl(static_cast<int>(*fd), F_GETFD) & FD_CLOEXEC) != 0);
    CHECK(::write(static_cast<int>(*fd), "x", 1) == -1); // sealed
    ::close(static_cast<int>(*fd));

    const char* thread_comm = "/proc/thread-self/comm";
    const uint64_t open_comm[6] = {reinterpret_cast<uint64_t>(thread_comm), O_RDONLY, 0, 0, 0, 0};
    const auto comm = ck::deleg::open_own_file(j, 2, open_comm);
    REQUIRE(comm.has_value());
    CHECK(::read(static_cast<int>(*comm), buf, sizeof buf) == 8);
    ::close(static_cast<int>(*comm));

    const char* status = "/proc/self/status"; // needs Linux's text: opened on Linux, then replaced
    const char* other = "/proc/1/environ";
    for (const char* p : {status, other}) {
        const uint64_t a[6] = {reinterpret_cast<uint64_t>(p), O_RDONLY, 0, 0, 0, 0};
        CHECK_FALSE(ck::deleg::open_own_file(j, 2, a).has_value());
    }
    const uint64_t writing[6] = {reinterpret_cast<uint64_t>(environ_path), O_RDWR, 0, 0, 0, 0};
    CHECK_FALSE(ck::deleg::open_own_file(j, 2, writing).has_value());
    const uint64_t read_call[6] = {reinterpret_cast<uint64_t>(environ_path), O_RDONLY, 0, 0, 0, 0};
    CHECK_FALSE(ck::deleg::open_own_file(j, 0, read_call).has_value()); // not an open
    JobContext unknown = j;
    unknown.argv.clear(); // the proxy knows nothing of the job: Linux's files
    CHECK_FALSE(ck::deleg::open_own_file(unknown, 2, read_call).has_value());
}

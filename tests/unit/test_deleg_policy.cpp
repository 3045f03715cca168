// Per-job policy overrides (--delegate=, --deny=) and the statistics table.
#include "policy.hpp"
#include "stats.hpp"

#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <sys/syscall.h>
#include <vector>

using namespace ck::deleg;

TEST_CASE("policy overrides move syscalls and name the first bad entry", "[deleg][policy]") {
    PolicySet p;
    CHECK(p.effective(SYS_uname) == Policy::native);
    CHECK(p.delegate("uname,clock_gettime").empty());
    CHECK(p.effective(SYS_uname) == Policy::delegated);
    CHECK(p.effective(SYS_clock_gettime) == Policy::delegated);
    CHECK(p.deny("openat,socket").empty());
    CHECK(p.effective(SYS_openat) == Policy::denied);
    CHECK(p.effective(SYS_read) == Policy::delegated);
    CHECK(p.effective(9999) == Policy::denied);

    PolicySet q;
    CHECK(q.delegate("read,bogus,write") ==
          "--delegate: unknown syscall 'bogus' (names as in syscalls.def, e.g. "
          "read, openat)");
    CHECK(q.delegate("read,,write") == "--delegate: empty syscall name in 'read,,write'");
    CHECK(q.deny("") == "--deny: empty syscall name in ''");
    CHECK(q.delegate("brk") == "--delegate: brk is native-only: the co-kernel must handle it itself");
    CHECK(q.deny("exit_group") == "--deny: exit_group is native-only: the co-kernel must handle it itself");
    CHECK(q.delegate("prctl") ==
          "--delegate: prctl cannot be delegated: the proxy does not validate its arguments");
    CHECK(q.deny("write").empty());
    CHECK(q.delegate("write") == "write is given to both --delegate and --deny");
    // a failed list changes nothing
    CHECK_FALSE(q.deny("read,nosuch").empty());
    CHECK(q.effective(SYS_read) == Policy::delegated);
}

TEST_CASE("statistics table is sorted by total time and names every syscall", "[deleg][stats]") {
    SyscallStats s;
    s.record(SYS_read, Path::delegated, 3000);
    s.record(SYS_read, Path::delegated, 5000);
    s.record(SYS_write, Path::delegated, 20000);
    s.record(SYS_clock_gettime, Path::native, 100);
    s.record(SYS_ptrace, Path::rejected, 10);
    s.record(400, Path::rejected, 5);
    s.record(100000, Path::rejected, 1);
    CHECK(s.total_count() == 7);
    CHECK(s.cell(SYS_read, Path::delegated).count == 2);
    CHECK(s.cell(SYS_read, Path::delegated).total_ns == 8000);

    std::istringstream table(s.format_table());
    std::vector<std::string> first;
    std::string line;
    while (std::getline(table, line)) {
        first.push_back(line.substr(0, line.find(' ')));
    }
    CHECK(first ==
          std::vector<std::string>{"syscall", "write", "read", "clock_gettime", "ptrace", "nr_400", "other"});
    const std::string t = s.format_table();
    CHECK(t.find("read                     delegated             2        0.008      4.000   28.5") !=
          std::string::npos);
}

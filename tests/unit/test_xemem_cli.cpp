// cokernel xemem: table and JSON outputs, usage errors, and the message when /dev/xemem is missing.
#include "cli.hpp"
#include "cmd_xemem.hpp"
#include "commands.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>

using namespace cokernel;

namespace {

xemem_segment segment(std::int64_t segid, const char* name, std::uint64_t size) {
    xemem_segment s{};
    s.segid = segid;
    s.vaddr = 0x7f0000000000;
    s.size = size;
    s.owner_pid = 1234;
    s.owner_uid = 1000;
    s.mode = 0640;
    s.gets = 2;
    s.attachments = 3;
    std::strncpy(s.name, name, sizeof(s.name) - 1);
    return s;
}

// Runs `cokernel ARGS...` and returns its exit status; what it printed on stderr goes to err.
int run_capturing_stderr(const std::vector<std::string>& args, std::string& err) {
    std::ostringstream captured;
    auto* old = std::cerr.rdbuf(captured.rdbuf());
    int status = run_cli(args);
    std::cerr.rdbuf(old);
    err = captured.str();
    return status;
}

} // namespace

TEST_CASE("xemem cli: segment ids in hex, domains by name", "[xemem]") {
    CHECK(format_segid(5) == "0x5");
    CHECK(format_segid(0x1000000000005) == "0x1000000000005");
    CHECK(format_domain(0) == "linux");
    CHECK(format_domain(1) == "enclave 0");
    CHECK(format_domain(4) == "enclave 3");
}

TEST_CASE("xemem cli: list as a table", "[xemem]") {
    CHECK(xemem_segments_text({}) == "no segments\n");
    auto whole = segment(0x2, "", UINT64_MAX);
    whole.mode = 0666;
    whole.gets = 0;
    whole.attachments = 0;
    CHECK(xemem_segments_text({segment(0x1f, "halo", 256ull << 20), whole}) ==
          "SEGID  NAME  PID   UID   MODE  SIZE     GETS  ATTACHMENTS\n"
          "0x1f   halo  1234  1000  0640  256 MiB  2     3\n"
          "0x2    -     1234  1000  0666  all      0     0\n");
}

TEST_CASE("xemem cli: list as JSON", "[xemem]") {
    CHECK(xemem_segments_json({}) == "[]\n");
    auto enclave = segment(0x1000000000001, "a\"b", 4096);
    enclave.domain = 1;
    CHECK(xemem_segments_json({segment(0x1f, "halo", 1 << 20), enclave}) ==
          "[{\"segid\":\"0x1f\",\"name\":\"halo\",\"domain\":\"linux\",\"owner_pid\":1234,\"owner_uid\":1000,"
          "\"mode\":\"0640\",\"vaddr\":139637976727552,\"size\":1048576,\"gets\":2,\"attachments\":3},"
          "{\"segid\":\"0x1000000000001\",\"name\":\"a\\\"b\",\"domain\":\"enclave 0\",\"owner_pid\":1234,"
          "\"owner_uid\":1000,\"mode\":\"0640\",\"vaddr\":139637976727552,\"size\":4096,\"gets\":2,"
          "\"attachments\":3}]\n");
}

TEST_CASE("xemem cli: counters as a table and as JSON", "[xemem]") {
    xemem_counters counters{1, 2, 3, 4, 5, 6, 7, 8};
    CHECK(xemem_counters_text(counters) == "COUNTER              VALUE\n"
                                           "segments             1\n"
                                           "apids                2\n"
                                           "attachments          3\n"
                                           "pinned_pages         4\n"
                                           "pins_total           5\n"
                                           "unpins_total         6\n"
                                           "faults_total         7\n"
                                           "invalidations_total  8\n");
    CHECK(xemem_counters_json(counters) ==
          "{\"segments\":1,\"apids\":2,\"attachments\":3,\"pinned_pages\":4,\"pins_total\":5,"
          "\"unpins_total\":6,\"faults_total\":7,\"invalidations_total\":8}\n");
}

TEST_CASE("xemem cli: usage errors exit 2, a missing device exits 1 with a hint", "[xemem]") {
    std::string err;
    CHECK(run_capturing_stderr({"xemem"}, err) == exit_usage);
    CHECK_THAT(err, Catch::Matchers::Contains("list or stats"));
    CHECK(run_capturing_stderr({"xemem", "frob"}, err) == exit_usage);
    CHECK_THAT(err, Catch::Matchers::Contains("unknown xemem subcommand 'frob'"));
    CHECK(run_capturing_stderr({"xemem", "list", "extra"}, err) == exit_usage);
    CHECK(run_capturing_stderr({"xemem", "stats", "--bogus"}, err) == exit_usage);
    CHECK(run_cli({"xemem", "--help"}) == exit_ok);

    ::setenv("XEMEM_DEVICE", "/nonexistent/xemem", 1);
    CHECK(run_capturing_stderr({"xemem", "list"}, err) == exit_error);
    CHECK(err == "cokernel: /nonexistent/xemem not found: the module is not loaded (modprobe cokernel)\n");
    CHECK(run_capturing_stderr({"xemem", "stats", "--json"}, err) == exit_error);
    CHECK_THAT(err, Catch::Matchers::Contains("not loaded"));
    ::setenv("XEMEM_DEVICE", "/etc/hostname/x", 1); // ENOTDIR: any other open error is shown as such
    CHECK(run_capturing_stderr({"xemem", "list"}, err) == exit_error);
    CHECK(err == "cokernel: cannot open /etc/hostname/x: Not a directory\n");
    ::unsetenv("XEMEM_DEVICE");
}

// The enclave's CPUs as the job reads them in the CPU files (delegation/cpu_files.hpp).
#include "cpu_files.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace {

// Two processors of a Linux /proc/cpuinfo (abridged), as Linux 6.1 prints it.
const char* const linux_text = "processor\t: 0\n"
                               "vendor_id\t: GenuineIntel\n"
                               "model name\t: QEMU Virtual CPU\n"
                               "physical id\t: 0\n"
                               "siblings\t: 4\n"
                               "core id\t\t: 0\n"
                               "cpu cores\t: 4\n"
                               "apicid\t\t: 0\n"
                               "initial apicid\t: 0\n"
                               "flags\t\t: fpu sse2\n"
                               "\n"
                               "processor\t: 1\n"
                               "vendor_id\t: GenuineIntel\n"
                               "core id\t\t: 1\n"
                               "\n";

std::string_view fake_cpuinfo() {
    return linux_text;
}

} // namespace

TEST_CASE("the CPU lists name the enclave's CPUs 0..n-1 in Linux's format", "[cpu_files]") {
    CHECK(ck::deleg::cpu_list(1) == "0\n");
    CHECK(ck::deleg::cpu_list(3) == "0-2\n");
    CHECK(ck::deleg::cpu_list(64) == "0-63\n");
    for (const char* f : {"/sys/devices/system/cpu/online", "/sys/devices/system/cpu/possible",
                          "/sys/devices/system/cpu/present"}) {
        INFO(f);
        CHECK(ck::deleg::cpu_file_content(f, 3, fake_cpuinfo) == std::optional<std::string>("0-2\n"));
    }
}

TEST_CASE("other files are left alone", "[cpu_files]") {
    for (const char* f : {"/sys/devices/system/cpu/offline", "/sys/devices/system/cpu/online2", "/proc/stat",
                          "/proc/cpuinfo/", "/etc/passwd", ""}) {
        INFO(f);
        CHECK_FALSE(ck::deleg::cpu_file_content(f, 3, fake_cpuinfo).has_value());
    }
}

TEST_CASE("/proc/cpuinfo: the first processor's block once per enclave CPU, renumbered", "[cpu_files]") {
    const auto text = ck::deleg::cpu_file_content("/proc/cpuinfo", 2, fake_cpuinfo);
    REQUIRE(text.has_value());
    CHECK(*text == "processor\t: 0\n"
                   "vendor_id\t: GenuineIntel\n"
                   "model name\t: QEMU Virtual CPU\n"
                   "physical id\t: 0\n"
                   "siblings\t: 2\n"
                   "core id\t\t: 0\n"
                   "cpu cores\t: 2\n"
                   "apicid\t\t: 0\n"
                   "initial apicid\t: 0\n"
                   "flags\t\t: fpu sse2\n"
                   "\n"
                   "processor\t: 1\n"
                   "vendor_id\t: GenuineIntel\n"
                   "model name\t: QEMU Virtual CPU\n"
                   "physical id\t: 0\n"
                   "siblings\t: 2\n"
                   "core id\t\t: 1\n"
                   "cpu cores\t: 2\n"
                   "apicid\t\t: 1\n"
                   "initial apicid\t: 1\n"
                   "flags\t\t: fpu sse2\n"
                   "\n");
}

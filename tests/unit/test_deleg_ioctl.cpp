// The ioctl allow-list (delegation/ioctls.def): its numbers and sizes are the kernel headers', docs list it,
// and the proxy forwards exactly what it lists, each argument checked by its layout; the rest is -ENOTTY.
#include "ioctl_table.hpp"
#include "test_deleg_fixture.hpp"

#include <catch2/catch.hpp>

#include <asm/termbits.h>
#include <fstream>
#include <linux/fs.h>
#include <linux/kd.h>
#include <linux/sockios.h>
#include <linux/vt.h>
#include <map>
#include <sstream>
#include <string>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

using namespace deleg_test;

TEST_CASE("ioctl table: every number is the kernel header's", "[deleg][ioctl]") {
    size_t n = 0;
#define CK_IOCTL(name, number, arg, size)                                                                    \
    INFO(#name);                                                                                             \
    CHECK(static_cast<uint32_t>(number) == static_cast<uint32_t>(name));                                     \
    ++n;
#define CK_IOCTL_REFUSED(name, first, last)
#include "ioctls.def"
#undef CK_IOCTL_REFUSED
#undef CK_IOCTL
    CHECK(n == std::size(ioctl_table));
    CHECK(ioctl_refusals[0].first == TIOCSTI);
    CHECK(ioctl_refusals[1].first == TIOCLINUX);
    CHECK(ioctl_refusals[2].first == TIOCCONS);
    CHECK(ioctl_refusals[3].first == TIOCSETD);
    for (int kd : {KDGETLED, KDSETLED, KDGKBTYPE, KDSETMODE, KDGETMODE, KDGKBMODE, KDSKBMODE, KDFONTOP}) {
        CHECK(static_cast<uint32_t>(kd) >= ioctl_refusals[4].first);
        CHECK(static_cast<uint32_t>(kd) <= ioctl_refusals[4].last);
    }
    for (int vt : {VT_OPENQRY, VT_GETMODE, VT_SETMODE, VT_GETSTATE, VT_ACTIVATE, VT_WAITACTIVE}) {
        CHECK(static_cast<uint32_t>(vt) >= ioctl_refusals[5].first);
        CHECK(static_cast<uint32_t>(vt) <= ioctl_refusals[5].last);
    }
}

TEST_CASE("ioctl table: every size is the size of the kernel's argument", "[deleg][ioctl]") {
    // What each command's argument is in the kernel (include/uapi and the handlers: TCGETS takes the
    // kernel's struct termios, TIOCGPGRP a pid_t, FS_IOC_GETFLAGS is encoded as long, BLKGETSIZE a long...).
    const std::map<std::string, size_t> kernel_size = {
        {"TCGETS", sizeof(termios)},
        {"TCSETS", sizeof(termios)},
        {"TCSETSW", sizeof(termios)},
        {"TCSETSF", sizeof(termios)},
        {"TIOCGPGRP", sizeof(pid_t)},
        {"TIOCSPGRP", sizeof(pid_t)},
        {"TIOCOUTQ", sizeof(int)},
        {"TIOCGWINSZ", sizeof(winsize)},
        {"TIOCSWINSZ", sizeof(winsize)},
        {"FIONREAD", sizeof(int)},
        {"FIONBIO", sizeof(int)},
        {"TIOCGETD", sizeof(int)},
        {"TIOCGSID", sizeof(pid_t)},
        {"TCGETS2", sizeof(termios2)},
        {"TCSETS2", sizeof(termios2)},
        {"TCSETSW2", sizeof(termios2)},
        {"TCSETSF2", sizeof(termios2)},
        {"TIOCGPTN", sizeof(unsigned)},
        {"TIOCSPTLCK", sizeof(int)},
        {"TIOCGPTLCK", sizeof(int)},
        {"TIOCGEXCL", sizeof(int)},
        {"FIOASYNC", sizeof(int)},
        {"FIOQSIZE", sizeof(loff_t)},
        {"FIGETBSZ", sizeof(int)},
        {"BLKROGET", sizeof(int)},
        {"BLKGETSIZE", sizeof(long)},
        {"BLKSSZGET", sizeof(int)},
        {"BLKPBSZGET", sizeof(unsigned)},
        {"BLKBSZGET", sizeof(size_t)},
        {"BLKGETSIZE64", sizeof(uint64_t)},
        {"FS_IOC_GETFLAGS", sizeof(long)},
        {"FS_IOC_SETFLAGS", sizeof(long)},
        {"SIOCATMARK", sizeof(int)},
        {"SIOCGSTAMP_OLD", sizeof(timeval)},
        {"SIOCGSTAMPNS_OLD", sizeof(timespec)},
        {"SIOCGIFNAME", sizeof(ifreq)},
        {"SIOCGIFCONF", sizeof(ifconf)},
        {"SIOCGIFFLAGS", sizeof(ifreq)},
        {"SIOCGIFADDR", sizeof(ifreq)},
        {"SIOCGIFDSTADDR", sizeof(ifreq)},
        {"SIOCGIFBRDADDR", sizeof(ifreq)},
        {"SIOCGIFNETMASK", sizeof(ifreq)},
        {"SIOCGIFMETRIC", sizeof(ifreq)},
        {"SIOCGIFMTU", sizeof(ifreq)},
        {"SIOCGIFHWADDR", sizeof(ifreq)},
        {"SIOCGIFINDEX", sizeof(ifreq)},
        {"SIOCGIFTXQLEN", sizeof(ifreq)},
    };
    size_t pointers = 0;
    for (const IoctlInfo& i : ioctl_table) {
        INFO(i.name);
        if (i.arg == IoctlArg::none || i.arg == IoctlArg::value) {
            CHECK(i.size == 0);
            CHECK(kernel_size.count(i.name) == 0);
            continue;
        }
        ++pointers;
        REQUIRE(kernel_size.count(i.name) == 1);
        CHECK(i.size == kernel_size.at(i.name));
    }
    CHECK(pointers == kernel_size.size());
    CHECK(sizeof(termios) == 36); // the kernel's, not glibc's 60
}

TEST_CASE("docs/delegation.md lists the ioctl table as it is", "[deleg][ioctl]") {
    std::ifstream doc(COKERNEL_SOURCE_DIR "/docs/delegation.md");
    REQUIRE(doc);
    std::string line;
    std::string listed;
    bool in_table = false;
    while (std::getline(doc, line)) {
        if (line.find("<!-- ioctl table") != std::string::npos) {
            in_table = true;
            continue;
        }
        if (line.find("<!-- end of ioctl table") != std::string::npos) {
            break;
        }
        if (in_table && line.rfind("| `", 0) == 0) {
            listed += line + "\n";
        }
    }
    std::ostringstream want;
    for (const IoctlInfo& i : ioctl_table) {
        char num[16];
        std::snprintf(num, sizeof num, "0x%04X", i.number);
        want << "| `" << i.name << "` | " << num << " | " << ioctl_arg_name(i.arg);
        if (i.size != 0) {
            want << " " << i.size;
        }
        want << " |\n";
    }
    for (const IoctlRefusal& r : ioctl_refusals) {
        char range[32];
        if (r.first == r.last) {
            std::snprintf(range, sizeof range, "0x%04X", r.first);
        } else {
            std::snprintf(range, sizeof range, "0x%04X-0x%04X", r.first, r.last);
        }
        want << "| `" << r.name << (r.first == r.last ? "" : "*") << "` | " << range << " | refused |\n";
    }
    INFO("the rows docs/delegation.md should have:\n" << want.str());
    CHECK(listed == want.str());
}

TEST_CASE("ioctl: each listed layout is checked, everything else is -ENOTTY and counted as refused",
          "[deleg][ioctl]") {
    JobArena job;
    PolicySet policy;
    RecordingKernel k;
    Executor ex(job_context(job.region(), 1 << 16), policy, k);
    const uint64_t end = job.region().base + job.region().size;
    char outside[64] = {};
    for (const IoctlInfo& i : ioctl_table) {
        INFO(i.name);
        k.calls = 0;
        switch (i.arg) {
        case IoctlArg::none:
        case IoctlArg::value:
            CHECK(execute(ex, SYS_ioctl, 0, i.number, 12345) == 0); // any value: not a pointer
            CHECK(k.args[2] == 12345);
            break;
        case IoctlArg::in:
        case IoctlArg::out:
        case IoctlArg::inout:
            CHECK(execute(ex, SYS_ioctl, 0, i.number, end - i.size) == 0); // fits exactly
            CHECK(k.args[2] == end - i.size);                              // the job's own pointer
            CHECK(execute(ex, SYS_ioctl, 0, i.number, end - i.size + 1) == -EFAULT);
            CHECK(execute(ex, SYS_ioctl, 0, i.number, JobArena::addr(outside)) == -EFAULT);
            CHECK(k.calls == 1);
            break;
        case IoctlArg::ifconf: {
            CHECK(execute(ex, SYS_ioctl, 0, i.number, JobArena::addr(outside)) == -EFAULT);
            auto* ifc = static_cast<ifconf*>(job.alloc(sizeof(ifconf)));
            *ifc = {};
            CHECK(execute(ex, SYS_ioctl, 0, i.number, JobArena::addr(ifc)) == 0);
            CHECK(k.args[2] == JobArena::addr(&ex.scratch().ifc)); // the kernel reads the proxy's copy
            break;
        }
        }
    }
    CHECK(ex.stats().cell(SYS_ioctl, Path::refused).count == 0);
    k.calls = 0;
    for (uint32_t cmd : {uint32_t{TIOCSTI}, uint32_t{TIOCLINUX}, uint32_t{TIOCCONS}, uint32_t{KDGETLED},
                         uint32_t{VT_GETSTATE}, uint32_t{SIOCDEVPRIVATE}, uint32_t{SIOCETHTOOL}, 0x54ffu,
                         uint32_t{FIBMAP}, uint32_t{FIOGETOWN}, 0xc0de0001u}) {
        INFO(cmd);
        CHECK(execute(ex, SYS_ioctl, 0, cmd, job.region().base) == -ENOTTY);
    }
    CHECK(k.calls == 0);
    CHECK(ex.stats().cell(SYS_ioctl, Path::refused).count == 11);
    // The kernel compares the command as an unsigned int: the upper half of the register does not matter.
    CHECK(execute(ex, SYS_ioctl, 0, (uint64_t{0xdead} << 32) | TIOCSTI, 0) == -ENOTTY);
    CHECK(execute(ex, SYS_ioctl, 0, (uint64_t{0xdead} << 32) | FIONCLEX, 0) == 0);
}

TEST_CASE("ioctl SIOCGIFCONF: struct ifconf copied, ifc_buf inside job memory, ifc_len stored back",
          "[deleg][ioctl]") {
    JobArena job;
    PolicySet policy;
    Executor ex(job_context(job.region(), 1 << 16), policy);
    const int sock = ::socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(sock >= 0);
    auto* ifc = static_cast<ifconf*>(job.alloc(sizeof(ifconf)));
    auto* reqs = static_cast<ifreq*>(job.alloc(8 * sizeof(ifreq)));
    ifc->ifc_len = 8 * sizeof(ifreq);
    ifc->ifc_req = reqs;
    REQUIRE(execute(ex, SYS_ioctl, static_cast<uint64_t>(sock), SIOCGIFCONF, JobArena::addr(ifc)) == 0);
    REQUIRE(ifc->ifc_len >= static_cast<int>(sizeof(ifreq)));
    CHECK(static_cast<size_t>(ifc->ifc_len) % sizeof(ifreq) == 0);
    CHECK(ifc->ifc_req == reqs); // the job's pointer, not the proxy's copy
    CHECK(std::string(reqs[0].ifr_name) == "lo");
    const int found = ifc->ifc_len;

    ifc->ifc_len = 0; // size only
    ifc->ifc_req = nullptr;
    CHECK(execute(ex, SYS_ioctl, static_cast<uint64_t>(sock), SIOCGIFCONF, JobArena::addr(ifc)) == 0);
    CHECK(ifc->ifc_len == found);

    ifreq outside[2];
    ifc->ifc_len = sizeof outside; // the buffer in the proxy's memory: the kernel would write there
    ifc->ifc_req = outside;
    CHECK(execute(ex, SYS_ioctl, static_cast<uint64_t>(sock), SIOCGIFCONF, JobArena::addr(ifc)) == -EFAULT);
    ifc->ifc_req = reinterpret_cast<ifreq*>(job.region().base + job.region().size - sizeof(ifreq));
    CHECK(execute(ex, SYS_ioctl, static_cast<uint64_t>(sock), SIOCGIFCONF, JobArena::addr(ifc)) ==
          -EFAULT);    // two entries do not fit before the end
    ifc->ifc_len = -5; // negative: the kernel writes nothing
    CHECK(execute(ex, SYS_ioctl, static_cast<uint64_t>(sock), SIOCGIFCONF, JobArena::addr(ifc)) == 0);
    const uint64_t end = job.region().base + job.region().size;
    CHECK(execute(ex, SYS_ioctl, static_cast<uint64_t>(sock), SIOCGIFCONF, end - 8) == -EFAULT);
    CHECK(ex.stats().cell(SYS_ioctl, Path::rejected).count == 3);
    ::close(sock);
}

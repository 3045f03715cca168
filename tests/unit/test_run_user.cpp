// Whom `cokernel run` runs a job as (launcher/src/run_user.cpp): --user parsing, SUDO_UID/SUDO_GID, acting as
// the user for file checks and back, dropping for good. The credential switches need root (CI runs as root);
// run as another user, the cases that need it say so and check only what they can.
#include "run_user.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <pwd.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace cokernel;

namespace {

bool is_root() {
    return ::getuid() == 0 && ::geteuid() == 0;
}

// Sets or clears SUDO_UID/SUDO_GID for one test and restores them afterwards.
class SudoEnv {
  public:
    SudoEnv(const char* uid, const char* gid) {
        save("SUDO_UID", saved_uid_, had_uid_);
        save("SUDO_GID", saved_gid_, had_gid_);
        set("SUDO_UID", uid);
        set("SUDO_GID", gid);
    }
    ~SudoEnv() {
        set("SUDO_UID", had_uid_ ? saved_uid_.c_str() : nullptr);
        set("SUDO_GID", had_gid_ ? saved_gid_.c_str() : nullptr);
    }
    SudoEnv(const SudoEnv&) = delete;
    SudoEnv& operator=(const SudoEnv&) = delete;

  private:
    static void save(const char* name, std::string& value, bool& had) {
        const char* v = std::getenv(name);
        had = v != nullptr;
        value = had ? v : "";
    }
    static void set(const char* name, const char* value) {
        if (value == nullptr)
            ::unsetenv(name);
        else
            ::setenv(name, value, 1);
    }
    std::string saved_uid_, saved_gid_;
    bool had_uid_ = false, had_gid_ = false;
};

// A file only root may read.
std::string root_only_file() {
    char path[] = "/tmp/cokernel-run-user-XXXXXX";
    const int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, "secret\n", 7) == 7);
    REQUIRE(::fchmod(fd, 0600) == 0);
    ::close(fd);
    return path;
}

} // namespace

TEST_CASE("run user: --user is for root only", "[run_user]") {
    auto u = resolve_run_user("nobody");
    if (!is_root()) {
        REQUIRE_FALSE(u);
        CHECK(u.error().message.find("--user needs root") != std::string::npos);
        return;
    }
    REQUIRE(u);
    const passwd* pw = ::getpwnam("nobody");
    REQUIRE(pw != nullptr);
    CHECK(u->drop);
    CHECK(u->source == "--user");
    CHECK(u->uid == pw->pw_uid);
    CHECK(u->gid == pw->pw_gid);
    REQUIRE_FALSE(u->groups.empty());
    CHECK(u->groups.front() == pw->pw_gid);
}

TEST_CASE("run user: --user UID:GID and its errors", "[run_user]") {
    if (!is_root()) {
        WARN("not root: --user is refused before it is parsed");
        return;
    }
    auto numeric = resolve_run_user("4242:4343");
    REQUIRE(numeric);
    CHECK(numeric->drop);
    CHECK(numeric->uid == 4242u);
    CHECK(numeric->gid == 4343u);
    CHECK(numeric->groups == std::vector<gid_t>{4343});

    auto empty = resolve_run_user(":12");
    REQUIRE_FALSE(empty);
    CHECK(empty.error().message.find("empty user name") != std::string::npos);

    auto unknown = resolve_run_user("no-such-user-here");
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().message.find("no user 'no-such-user-here'") != std::string::npos);

    // A uid without an entry in the user database needs its group spelled out.
    auto no_entry = resolve_run_user("3999999");
    REQUIRE_FALSE(no_entry);
    CHECK(no_entry.error().message.find("give UID:GID") != std::string::npos);

    CHECK_FALSE(resolve_run_user("nobody:x12").ok());
    CHECK_FALSE(resolve_run_user("12:").ok());
}

TEST_CASE("run user: SUDO_UID and SUDO_GID name the user when root came through sudo", "[run_user]") {
    if (!is_root()) {
        WARN("not root: SUDO_UID matters only to root");
        return;
    }
    {
        SudoEnv env(nullptr, nullptr);
        auto u = resolve_run_user("");
        REQUIRE(u);
        CHECK_FALSE(u->drop); // root asked for it: the job runs as root
    }
    {
        SudoEnv env("4242", "4343");
        auto u = resolve_run_user("");
        REQUIRE(u);
        CHECK(u->drop);
        CHECK(u->source == "SUDO_UID");
        CHECK(u->uid == 4242u);
        CHECK(u->gid == 4343u);
    }
    {
        SudoEnv env("0", "0");
        auto u = resolve_run_user("");
        REQUIRE(u);
        CHECK_FALSE(u->drop);
    }
    {
        SudoEnv env("12abc", nullptr);
        CHECK_FALSE(resolve_run_user("").ok());
    }
    {
        SudoEnv env("3999999", nullptr); // no passwd entry, no SUDO_GID: no way to know the group
        auto u = resolve_run_user("");
        REQUIRE_FALSE(u);
        CHECK(u.error().message.find("SUDO_GID is not set") != std::string::npos);
    }
    {
        SudoEnv env("4242", "4343");
        auto u = resolve_run_user("65534:65534"); // --user wins over sudo's variables
        REQUIRE(u);
        CHECK(u->uid == 65534u);
    }
}

TEST_CASE("run user: acting as the user checks files with the user's rights, then root again", "[run_user]") {
    if (!is_root()) {
        WARN("not root: cannot switch users");
        return;
    }
    const std::string secret = root_only_file();
    auto u = resolve_run_user("65534:65534");
    REQUIRE(u);
    {
        ActingAs as(*u);
        REQUIRE(as.error().empty());
        CHECK(::geteuid() == 65534u);
        CHECK(::getegid() == 65534u);
        errno = 0;
        const int fd = ::open(secret.c_str(), O_RDONLY);
        CHECK(fd == -1);
        CHECK(errno == EACCES);
        if (fd >= 0)
            ::close(fd);
    }
    CHECK(::geteuid() == 0u);
    CHECK(::getegid() == 0u);
    const int fd = ::open(secret.c_str(), O_RDONLY);
    CHECK(fd >= 0);
    if (fd >= 0)
        ::close(fd);
    ::unlink(secret.c_str());

    RunUser keep; // drop == false: nothing changes
    ActingAs none(keep);
    CHECK(none.error().empty());
    CHECK(::geteuid() == 0u);
}

TEST_CASE("run user: dropping for good leaves no way back to root", "[run_user]") {
    if (!is_root()) {
        WARN("not root: nothing to drop");
        return;
    }
    const std::string secret = root_only_file();
    auto u = resolve_run_user("65534:65534");
    REQUIRE(u);
    // In a child: the drop cannot be undone, which is the point.
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        int bad = 0;
        if (!drop_privileges(*u).ok())
            bad |= 1;
        uid_t r, e, s;
        gid_t rg, eg, sg;
        if (::getresuid(&r, &e, &s) != 0 || r != 65534 || e != 65534 || s != 65534)
            bad |= 2;
        if (::getresgid(&rg, &eg, &sg) != 0 || rg != 65534 || eg != 65534 || sg != 65534)
            bad |= 4;
        if (::setuid(0) == 0 || ::seteuid(0) == 0 || ::setegid(0) == 0)
            bad |= 8;
        if (::open(secret.c_str(), O_RDONLY) >= 0)
            bad |= 16;
        ::_exit(bad);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    ::unlink(secret.c_str());
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0); // bit mask of what went wrong in the child
}

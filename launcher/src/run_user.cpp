#include "run_user.hpp"

#include "parse.hpp"
#include "text.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

namespace cokernel {
namespace {

// The user's groups from the group database; just gid when the name is unknown.
std::vector<gid_t> groups_of(const char* name, gid_t gid) {
    if (name == nullptr)
        return {gid};
    int n = 16;
    std::vector<gid_t> groups(static_cast<std::size_t>(n));
    while (::getgrouplist(name, gid, groups.data(), &n) < 0) {
        if (n <= static_cast<int>(groups.size()))
            return {gid}; // should not happen; be conservative
        groups.resize(static_cast<std::size_t>(n));
    }
    groups.resize(static_cast<std::size_t>(n));
    return groups;
}

Result<unsigned> parse_id(const std::string& text, const char* what) {
    return parse_unsigned(text, what);
}

// USER|UID[:GID]
Result<RunUser> from_option(const std::string& option) {
    RunUser u;
    u.drop = true;
    u.source = "--user";
    const auto colon = option.find(':');
    const std::string who = option.substr(0, colon);
    if (who.empty())
        return fail("--user: empty user name");
    const passwd* pw = nullptr;
    if (who.find_first_not_of("0123456789") == std::string::npos) {
        auto uid = parse_id(who, "--user uid");
        if (!uid)
            return uid.error();
        u.uid = *uid;
        pw = ::getpwuid(u.uid);
    } else {
        pw = ::getpwnam(who.c_str());
        if (pw == nullptr)
            return fail(cat("--user: no user '", who, "'"));
        u.uid = pw->pw_uid;
    }
    if (colon != std::string::npos) {
        auto gid = parse_id(option.substr(colon + 1), "--user gid");
        if (!gid)
            return gid.error();
        u.gid = *gid;
        u.groups = {u.gid}; // an explicit group: that one only
    } else if (pw != nullptr) {
        u.gid = pw->pw_gid;
        u.groups = groups_of(pw->pw_name, u.gid);
    } else {
        return fail(cat("--user: uid ", u.uid, " has no entry in the user database; give UID:GID"));
    }
    return u;
}

} // namespace

Result<RunUser> resolve_run_user(const std::string& option) {
    if (!option.empty()) {
        if (::getuid() != 0 || ::geteuid() != 0)
            return fail("--user needs root (the job runs as you already)");
        return from_option(option);
    }
    RunUser u;
    if (::geteuid() != 0)
        return u; // not root at all: require_root() says so later
    if (::getuid() != 0) {
        // Installed setuid-root: the real ids and groups are the invoking user's.
        u.drop = true;
        u.source = "the real user id (setuid)";
        u.uid = ::getuid();
        u.gid = ::getgid();
        const int n = ::getgroups(0, nullptr);
        u.groups.resize(static_cast<std::size_t>(n > 0 ? n : 0));
        if (n > 0 && ::getgroups(n, u.groups.data()) != n)
            return fail(cat("getgroups: ", std::strerror(errno)));
        return u;
    }
    const char* sudo_uid = std::getenv("SUDO_UID");
    if (sudo_uid == nullptr || *sudo_uid == 0)
        return u; // root asked for it: the job runs as root, as the program would on Linux
    auto uid = parse_id(sudo_uid, "SUDO_UID");
    if (!uid)
        return uid.error();
    if (*uid == 0)
        return u;
    u.drop = true;
    u.source = "SUDO_UID";
    u.uid = *uid;
    const passwd* pw = ::getpwuid(u.uid);
    const char* sudo_gid = std::getenv("SUDO_GID");
    if (sudo_gid != nullptr && *sudo_gid != 0) {
        auto gid = parse_id(sudo_gid, "SUDO_GID");
        if (!gid)
            return gid.error();
        u.gid = *gid;
    } else if (pw != nullptr) {
        u.gid = pw->pw_gid;
    } else {
        return fail(cat("SUDO_UID ", u.uid, " has no entry in the user database and SUDO_GID is not set"));
    }
    u.groups = groups_of(pw != nullptr ? pw->pw_name : nullptr, u.gid);
    return u;
}

ActingAs::ActingAs(const RunUser& user) {
    if (!user.drop)
        return;
    egid_ = ::getegid();
    const int n = ::getgroups(0, nullptr);
    groups_.resize(static_cast<std::size_t>(n > 0 ? n : 0));
    if (n > 0 && ::getgroups(n, groups_.data()) != n) {
        error_ = cat("getgroups: ", std::strerror(errno));
        return;
    }
    switched_ = true; // from here on the destructor restores what it can
    if (::setgroups(user.groups.size(), user.groups.data()) != 0 || ::setegid(user.gid) != 0 ||
        ::seteuid(user.uid) != 0)
        error_ = cat("cannot act as uid ", user.uid, ": ", std::strerror(errno));
}

ActingAs::~ActingAs() {
    if (!switched_)
        return;
    // Root again (the saved set-user-ID is 0), then our own groups. Failing here would leave us half the
    // user's: stop rather than go on with the wrong credentials.
    if (::seteuid(0) != 0 || ::setegid(egid_) != 0 || ::setgroups(groups_.size(), groups_.data()) != 0)
        std::abort();
}

Status drop_privileges(const RunUser& user) {
    if (!user.drop)
        return Ok{};
    if (::setgroups(user.groups.size(), user.groups.data()) != 0)
        return fail(cat("setgroups: ", std::strerror(errno)));
    if (::setresgid(user.gid, user.gid, user.gid) != 0)
        return fail(cat("setresgid(", user.gid, "): ", std::strerror(errno)));
    if (::setresuid(user.uid, user.uid, user.uid) != 0)
        return fail(cat("setresuid(", user.uid, "): ", std::strerror(errno)));
    uid_t r = 0, e = 0, s = 0;
    gid_t rg = 0, eg = 0, sg = 0;
    if (::getresuid(&r, &e, &s) != 0 || r != user.uid || e != user.uid || s != user.uid ||
        ::getresgid(&rg, &eg, &sg) != 0 || rg != user.gid || eg != user.gid || sg != user.gid)
        return fail("the credentials did not change as asked");
    // Root must be out of reach now (a non-root target): if either call succeeds, something is wrong.
    if ((user.uid != 0 && ::setresuid(0, 0, 0) == 0) || (user.gid != 0 && ::setegid(0) == 0))
        return fail("root could be regained after dropping privileges");
    return Ok{};
}

} // namespace cokernel

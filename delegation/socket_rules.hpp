#pragma once
// Socket families and options whose arguments hold pointers the kernel follows (into the proxy's memory, not
// the job's) and that the proxy does not copy: refused. Socket filters (SO_ATTACH_FILTER,
// SO_ATTACH_REUSEPORT_CBPF) are copied and checked instead (decode_socket.cpp); every other option is a flat
// buffer of optlen bytes. Numbers are checked against the kernel headers by tests/unit/test_deleg_socket.cpp.
#include <cstdint>

namespace ck::deleg {

struct RefusedFamily {
    int family;
    const char* name;
};

// socket()/socketpair() of these: -EAFNOSUPPORT (their messages and options carry user pointers).
inline constexpr RefusedFamily refused_families[] = {{21, "AF_RDS"}, {44, "AF_XDP"}};

inline constexpr int any_option = -1;

struct RefusedSockopt {
    int level;
    int name; // any_option: the whole level
    bool set, get;
    const char* what;
};

// setsockopt/getsockopt of these: -EPERM. sendmsg control messages of level SOL_RDS likewise.
inline constexpr RefusedSockopt refused_sockopts[] = {
    {0, 64, true, false, "IPT_SO_SET_REPLACE"},
    {0, 96, true, false, "ARPT_SO_SET_REPLACE"},
    {0, 128, true, false, "EBT_SO_SET_ENTRIES"},
    {0, 129, true, false, "EBT_SO_SET_COUNTERS"},
    {0, 129, false, true, "EBT_SO_GET_ENTRIES"},
    {0, 131, false, true, "EBT_SO_GET_INIT_ENTRIES"},
    {41, 64, true, false, "IP6T_SO_SET_REPLACE"},
    {6, 35, true, true, "TCP_ZEROCOPY_RECEIVE"},
    {263, 22, true, false, "PACKET_FANOUT_DATA"},
    {276, any_option, true, true, "SOL_RDS (every option)"},
    {283, any_option, true, true, "SOL_XDP (every option)"},
};

inline constexpr int refused_cmsg_level = 276; // SOL_RDS: RDMA arguments with user pointers

constexpr bool sockopt_refused(int level, int name, bool set) {
    for (const RefusedSockopt& r : refused_sockopts) {
        if (r.level == level && (r.name == any_option || r.name == name) && (set ? r.set : r.get)) {
            return true;
        }
    }
    return false;
}

constexpr bool family_refused(int family) {
    for (const RefusedFamily& f : refused_families) {
        if (f.family == family) {
            return true;
        }
    }
    return false;
}

} // namespace ck::deleg

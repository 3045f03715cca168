// socket families and socket options (socket_rules.hpp says which are refused and why).
#include "decoder.hpp"
#include "socket_rules.hpp"

#include <cerrno>

namespace ck::deleg::detail {

static_assert(sizeof(sock_fprog) == 16 && offsetof(sock_fprog, filter) == 8 && sizeof(sock_filter) == 8,
              "x86-64 struct sock_fprog");

int64_t Decoder::domain(size_t i) {
    return family_refused(as_int(a(i))) ? refuse(-EAFNOSUPPORT) : 0;
}

// setsockopt(fd, level, name, optval, optlen): optlen bytes of job memory; a socket filter is copied and
// its instructions must lie in job memory; an eBPF program is named by a descriptor, which must be the job's.
int64_t Decoder::optval_in(size_t i, size_t len_arg) {
    const int level = as_int(a(1));
    const int name = as_int(a(2));
    if (sockopt_refused(level, name, true)) {
        return refuse(-EPERM);
    }
    const uint64_t p = a(i);
    const uint64_t len = a(len_arg);
    if (range(p, len) != 0) {
        return -EFAULT;
    }
    if (level != SOL_SOCKET || p == 0) {
        return 0;
    }
    if ((name == SO_ATTACH_FILTER || name == SO_ATTACH_REUSEPORT_CBPF) && len == sizeof(sock_fprog)) {
        sock_fprog& f = scratch_.fprog;
        copy_in(&f, p, sizeof f);
        if (range(addr_of(f.filter), uint64_t{f.len} * sizeof(sock_filter)) != 0) {
            return -EFAULT;
        }
        out_.args[i] = addr_of(&f);
    } else if ((name == SO_ATTACH_BPF || name == SO_ATTACH_REUSEPORT_EBPF) && len == sizeof(int)) {
        copy_in(&scratch_.optint, p, sizeof(int));
        if (scratch_.optint >= job_.fd_limit) {
            return refuse(-EBADF);
        }
        out_.args[i] = addr_of(&scratch_.optint);
    }
    return 0;
}

// getsockopt(fd, level, name, optval, optlen *): a buffer of *optlen bytes, as SOCKADDR.
int64_t Decoder::optval_out(size_t i, size_t len_arg) {
    if (sockopt_refused(as_int(a(1)), as_int(a(2)), false)) {
        return refuse(-EPERM);
    }
    return sockaddr(i, len_arg);
}

} // namespace ck::deleg::detail

// select/pselect6 (nfds, fd_sets, pselect6's sigmask pack), poll/ppoll (pollfd arrays) and the sigmasks of
// ppoll and epoll_pwait. Descriptors at or above fd_limit are the proxy's: the kernel never looks at them
// for a job (select's nfds is clamped below them, poll entries naming them are polled as closed ones).
// Sigmasks are checked as Linux checks them and then dropped: applied to the proxy they would block its own
// signals (SIGINT ending the run) while it waits; the co-kernel delivers no signals to jobs yet.
#include "decoder.hpp"

#include <cerrno>
#include <climits>

namespace ck::deleg::detail {

namespace {
constexpr uint64_t sigset_bytes = 8; // the kernel's sigset_t on x86-64 (_NSIG / 8)

// The nfds the kernel gets: the job's, at most fd_limit. Linux itself looks at no bit beyond its descriptor
// table; for a job that table ends at fd_limit, so bits at or above it are ignored (those in the last word
// the kernel writes come back cleared).
uint64_t kernel_nfds(int32_t nfds, int fd_limit) {
    const int32_t n = nfds < fd_limit ? nfds : fd_limit;
    return n > 0 ? static_cast<uint64_t>(n) : 0;
}
} // namespace

int64_t Decoder::nfds(size_t i) {
    const int32_t n = as_int(a(i));
    if (n < 0) {
        return -EINVAL;
    }
    out_.args[i] = kernel_nfds(n, job_.fd_limit);
    return 0;
}

// An fd_set: the (nfds + 63) / 64 * 8 bytes the kernel reads and writes, with nfds as the kernel gets it.
int64_t Decoder::fd_set(size_t i, size_t nfds_arg) {
    const uint64_t bits = kernel_nfds(as_int(a(nfds_arg)), job_.fd_limit);
    return range(a(i), (bits + 63) / 64 * 8);
}

int64_t Decoder::sigset_arg(size_t i, size_t size_arg) {
    if (a(i) == 0) {
        return 0;
    }
    if (a(size_arg) != sigset_bytes) {
        return -EINVAL;
    }
    if (range(a(i), sigset_bytes) != 0) {
        return -EFAULT;
    }
    out_.args[i] = 0;
    return 0;
}

// pselect6's sixth argument: a pointer to {const sigset_t *ss; size_t ss_len}.
int64_t Decoder::sigset_pack(size_t i) {
    if (a(i) == 0) {
        return 0;
    }
    uint64_t pack[2] = {};
    if (range(a(i), sizeof pack) != 0) {
        return -EFAULT;
    }
    copy_in(pack, a(i), sizeof pack);
    if (pack[0] != 0) {
        if (pack[1] != sigset_bytes) {
            return -EINVAL;
        }
        if (range(pack[0], sigset_bytes) != 0) {
            return -EFAULT;
        }
    }
    out_.args[i] = 0;
    return 0;
}

// struct pollfd[count]: copied; an entry naming a descriptor at or above fd_limit is polled as a closed one
// (the kernel answers POLLNVAL for it); only the revents fields are stored back, as Linux writes only those.
int64_t Decoder::pollfds(size_t i, size_t count_arg) {
    const uint64_t n = static_cast<uint32_t>(a(count_arg));
    if (n > max_pollfds || n > static_cast<uint64_t>(job_.fd_limit)) {
        return -EINVAL; // Linux: nfds above RLIMIT_NOFILE, which is fd_limit for a job
    }
    const uint64_t p = a(i);
    if (p == 0 || n == 0) {
        return 0;
    }
    if (range(p, n * sizeof(pollfd)) != 0) {
        return -EFAULT;
    }
    pollfd* fds = scratch_.pollfds.data();
    copy_in(fds, p, n * sizeof(pollfd));
    for (size_t k = 0; k < n; ++k) {
        if (fds[k].fd >= job_.fd_limit) {
            fds[k].fd = INT_MAX; // never a descriptor: RLIMIT_NOFILE and fs.nr_open are far below
        }
    }
    out_.args[i] = addr_of(fds);
    return add_writeback(p + offsetof(pollfd, revents), &fds[0].revents, sizeof fds[0].revents,
                         static_cast<size_t>(n), sizeof(pollfd))
               ? 0
               : -EINVAL;
}

} // namespace ck::deleg::detail

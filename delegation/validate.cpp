#include "validate.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>

namespace ck::deleg {

namespace {

static_assert(sizeof(iovec) == 16 && sizeof(msghdr) == 56 && sizeof(socklen_t) == 4, "x86-64 layouts");
static_assert(offsetof(msghdr, msg_namelen) == 8 && offsetof(msghdr, msg_controllen) == 40 &&
                  offsetof(msghdr, msg_flags) == 48,
              "x86-64 msghdr");

const void* job_ptr(uint64_t addr) {
    return reinterpret_cast<const void*>(static_cast<uintptr_t>(addr));
}

class Decoder {
  public:
    Decoder(const SyscallInfo& s, const cokernel_deleg_request& req, const JobContext& job, Scratch& scratch,
            Prepared& out)
        : s_(s), req_(req), job_(job), scratch_(scratch), out_(out) {}

    int64_t run() {
        if (req_.flags & ~COKERNEL_DELEG_F_ALL) {
            return -EINVAL;
        }
        for (size_t i = 0; i < COKERNEL_DELEG_NARGS; ++i) {
            out_.args[i] = req_.args[i];
        }
        for (size_t i = 0; i < COKERNEL_DELEG_NARGS; ++i) {
            const int64_t r = one(i);
            if (r != 0) {
                return r;
            }
        }
        return 0;
    }

  private:
    uint64_t a(size_t i) const { return req_.args[i]; }

    int64_t range(uint64_t p, uint64_t n) const { return job_.memory.contains(p, n) ? 0 : -EFAULT; }

    // Elements of elem bytes, count in arg i.
    int64_t array(uint64_t p, uint64_t count, uint64_t elem) const {
        if (elem != 0 && count > job_.memory.size / elem) {
            return p == 0 || count == 0 ? 0 : -EFAULT;
        }
        return range(p, count * elem);
    }

    int64_t fd(uint64_t v) const {
        const auto f = static_cast<int32_t>(static_cast<uint32_t>(v));
        return f >= job_.fd_limit ? -EBADF : 0;
    }

    int64_t string(size_t i) {
        const uint64_t p = a(i);
        if (p == 0) {
            return 0;
        }
        const uint64_t room = job_.memory.room(p);
        const size_t scan = static_cast<size_t>(room < max_string ? room : max_string);
        const void* nul = scan == 0 ? nullptr : std::memchr(job_ptr(p), 0, scan);
        if (nul == nullptr) {
            return scan < max_string ? -EFAULT : -ENAMETOOLONG;
        }
        const size_t len =
            static_cast<size_t>(static_cast<const char*>(nul) - static_cast<const char*>(job_ptr(p)));
        char* copy = scratch_.strings[i].data();
        std::memcpy(copy, job_ptr(p), len);
        copy[len] = '\0'; // the job may have changed the byte since memchr saw it
        out_.args[i] = reinterpret_cast<uintptr_t>(copy);
        return 0;
    }

    int64_t iov(size_t i, uint64_t count) {
        if (count > max_iov) {
            return -EINVAL;
        }
        if (a(i) == 0 || count == 0) {
            return 0;
        }
        if (range(a(i), count * sizeof(iovec)) != 0) {
            return -EFAULT;
        }
        std::memcpy(scratch_.iov.data(), job_ptr(a(i)), count * sizeof(iovec));
        for (size_t k = 0; k < count; ++k) {
            if (range(reinterpret_cast<uintptr_t>(scratch_.iov[k].iov_base), scratch_.iov[k].iov_len) != 0) {
                return -EFAULT;
            }
        }
        out_.args[i] = reinterpret_cast<uintptr_t>(scratch_.iov.data());
        return 0;
    }

    int64_t msg(size_t i, bool receive) {
        if (a(i) == 0) {
            return 0;
        }
        if (range(a(i), sizeof(msghdr)) != 0) {
            return -EFAULT;
        }
        msghdr& m = scratch_.msg;
        std::memcpy(&m, job_ptr(a(i)), sizeof m);
        if (range(reinterpret_cast<uintptr_t>(m.msg_name), m.msg_namelen) != 0 ||
            range(reinterpret_cast<uintptr_t>(m.msg_control), m.msg_controllen) != 0) {
            return -EFAULT;
        }
        if (m.msg_iovlen > max_iov) {
            return -EMSGSIZE;
        }
        if (m.msg_iov != nullptr && m.msg_iovlen != 0) {
            const uint64_t iovp = reinterpret_cast<uintptr_t>(m.msg_iov);
            if (range(iovp, m.msg_iovlen * sizeof(iovec)) != 0) {
                return -EFAULT;
            }
            std::memcpy(scratch_.iov.data(), job_ptr(iovp), m.msg_iovlen * sizeof(iovec));
            for (size_t k = 0; k < m.msg_iovlen; ++k) {
                if (range(reinterpret_cast<uintptr_t>(scratch_.iov[k].iov_base), scratch_.iov[k].iov_len) !=
                    0) {
                    return -EFAULT;
                }
            }
            m.msg_iov = scratch_.iov.data();
        }
        out_.args[i] = reinterpret_cast<uintptr_t>(&m);
        if (receive) {
            add_writeback(a(i) + offsetof(msghdr, msg_namelen), &m.msg_namelen, sizeof m.msg_namelen);
            add_writeback(a(i) + offsetof(msghdr, msg_controllen), &m.msg_controllen,
                          sizeof m.msg_controllen);
            add_writeback(a(i) + offsetof(msghdr, msg_flags), &m.msg_flags, sizeof m.msg_flags);
        }
        return 0;
    }

    // SOCKADDR(i) at arg k: a buffer of *(socklen_t*)arg i bytes; the length is copied once and passed
    // privately, then stored back.
    int64_t sockaddr(size_t k, size_t len_arg) {
        const uint64_t lenp = a(len_arg);
        if (lenp != 0) {
            if (range(lenp, sizeof(socklen_t)) != 0) {
                return -EFAULT;
            }
            std::memcpy(&scratch_.socklen, job_ptr(lenp), sizeof(socklen_t));
            out_.args[len_arg] = reinterpret_cast<uintptr_t>(&scratch_.socklen);
            add_writeback(lenp, &scratch_.socklen, sizeof(socklen_t));
        }
        if (a(k) == 0) {
            return 0;
        }
        return lenp == 0 ? -EFAULT : range(a(k), scratch_.socklen);
    }

    int64_t ioctl(size_t i) {
        const auto cmd = static_cast<uint32_t>(a(1));
        switch (cmd) {
        case TCGETS:
        case TCSETS:
        case TCSETSW:
        case TCSETSF:
            return range(a(i), 36); // the kernel's struct termios on x86-64
        case TIOCGWINSZ:
        case TIOCSWINSZ:
            return range(a(i), 8);
        case FIONREAD:
        case FIONBIO:
        case TIOCGPGRP:
        case TIOCSPGRP:
            return range(a(i), 4);
        case FIOCLEX:
        case FIONCLEX:
            return 0;
        default:
            break;
        }
        const uint32_t dir = cmd >> 30;
        const uint32_t size = (cmd >> 16) & 0x3fffu;
        const uint32_t type = (cmd >> 8) & 0xffu;
        if (dir == 0) {
            // _IO(): no argument pointer, except the old tty numbers ('T') that are not listed above.
            return type == 'T' ? -EPERM : 0;
        }
        return range(a(i), size);
    }

    int64_t fcntl(size_t i) {
        switch (static_cast<int>(a(1))) {
        case F_GETLK:
        case F_SETLK:
        case F_SETLKW:
        case F_OFD_GETLK:
        case F_OFD_SETLK:
        case F_OFD_SETLKW:
            return range(a(i), sizeof(struct flock));
        case F_GETOWN_EX:
        case F_SETOWN_EX:
            return range(a(i), sizeof(struct f_owner_ex));
        case F_GET_RW_HINT:
        case F_SET_RW_HINT:
        case F_GET_FILE_RW_HINT:
        case F_SET_FILE_RW_HINT:
            return range(a(i), sizeof(uint64_t));
        case F_DUPFD:
        case F_DUPFD_CLOEXEC:
            return fd(a(i)) != 0 ? -EINVAL : 0;
        case F_GETFD:
        case F_SETFD:
        case F_GETFL:
        case F_SETFL:
        case F_SETOWN:
        case F_GETOWN:
        case F_SETSIG:
        case F_GETSIG:
        case F_SETLEASE:
        case F_GETLEASE:
        case F_NOTIFY:
        case F_SETPIPE_SZ:
        case F_GETPIPE_SZ:
        case F_ADD_SEALS:
        case F_GET_SEALS:
            return 0;
        default:
            return -EPERM; // a command we do not know: its argument cannot be checked
        }
    }

    void add_writeback(uint64_t job_addr, const void* from, size_t len) {
        out_.writeback[out_.writebacks++] = {job_addr, from, len};
    }

    int64_t one(size_t i) {
        const ArgSpec& k = s_.args[i];
        switch (k.kind) {
        case ArgKind::none:
        case ArgKind::integer:
        case ArgKind::len:
        case ArgKind::addr:
        case ArgKind::socklen: // checked with its SOCKADDR
            return 0;
        case ArgKind::fd:
            return fd(a(i));
        case ArgKind::fd_last:
            if (a(i) >= static_cast<uint64_t>(job_.fd_limit)) {
                out_.args[i] = static_cast<uint64_t>(job_.fd_limit - 1); // never close the proxy's own
            }
            return 0;
        case ArgKind::string:
            return string(i);
        case ArgKind::in:
        case ArgKind::out:
        case ArgKind::inout:
            return range(a(i), k.size);
        case ArgKind::in_len:
        case ArgKind::out_len:
        case ArgKind::inout_len:
            return range(a(i), a(k.arg));
        case ArgKind::in_array:
        case ArgKind::out_array:
        case ArgKind::inout_array:
            return array(a(i), a(k.arg), k.size);
        case ArgKind::iov_in:
        case ArgKind::iov_out:
            return iov(i, a(k.arg));
        case ArgKind::msg_in:
            return msg(i, false);
        case ArgKind::msg_out:
            return msg(i, true);
        case ArgKind::sockaddr:
            return sockaddr(i, k.arg);
        case ArgKind::ioctl_arg:
            return ioctl(i);
        case ArgKind::fcntl_arg:
            return fcntl(i);
        case ArgKind::raw:
            return -EPERM;
        }
        return -EPERM;
    }

    const SyscallInfo& s_;
    const cokernel_deleg_request& req_;
    const JobContext& job_;
    Scratch& scratch_;
    Prepared& out_;
};

} // namespace

int64_t prepare(const SyscallInfo& s, const cokernel_deleg_request& req, const JobContext& job,
                Scratch& scratch, Prepared& out) {
    out = Prepared{};
    return Decoder(s, req, job, scratch, out).run();
}

} // namespace ck::deleg

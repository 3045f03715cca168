// iovec arrays, msghdr (with its control messages) and socket address buffers.
#include "decoder.hpp"
#include "socket_rules.hpp"

#include <cerrno>

namespace ck::deleg::detail {

static_assert(sizeof(iovec) == 16 && sizeof(msghdr) == 56 && sizeof(socklen_t) == 4, "x86-64 layouts");
static_assert(offsetof(msghdr, msg_namelen) == 8 && offsetof(msghdr, msg_controllen) == 40 &&
                  offsetof(msghdr, msg_flags) == 48,
              "x86-64 msghdr");
static_assert(sizeof(cmsghdr) == 16 && offsetof(cmsghdr, cmsg_level) == 8, "x86-64 cmsghdr");

// count iovecs at p into scratch, every buffer inside job memory (count <= max_iov, checked by the caller).
int64_t Decoder::iov_copy(uint64_t p, uint64_t count) {
    if (range(p, count * sizeof(iovec)) != 0) {
        return -EFAULT;
    }
    copy_in(scratch_.iov.data(), p, count * sizeof(iovec));
    for (size_t k = 0; k < count; ++k) {
        if (range(addr_of(scratch_.iov[k].iov_base), scratch_.iov[k].iov_len) != 0) {
            return -EFAULT;
        }
    }
    return 0;
}

int64_t Decoder::iov(size_t i, uint64_t count) {
    if (count > max_iov) {
        return -EINVAL;
    }
    if (a(i) == 0 || count == 0) {
        return 0;
    }
    if (const int64_t r = iov_copy(a(i), count); r != 0) {
        return r;
    }
    out_.args[i] = addr_of(scratch_.iov.data());
    return 0;
}

// sendmsg's control messages: copied, walked as the kernel walks them (CMSG_FIRSTHDR/CMSG_NXTHDR), each
// length checked as CMSG_OK does (-EINVAL), every descriptor of an SCM_RIGHTS message below fd_limit
// (-EBADF, what Linux says for a descriptor that is not open), no SOL_RDS message (-EPERM: it carries user
// pointers). The kernel gets the copy.
int64_t Decoder::control(msghdr& m) {
    const size_t len = m.msg_controllen;
    if (m.msg_control == nullptr || len == 0) {
        return 0;
    }
    if (len > max_control) {
        return -ENOBUFS; // Linux: more than net.core.optmem_max
    }
    uint8_t* ctl = scratch_.control.data();
    copy_in(ctl, addr_of(m.msg_control), len);
    for (size_t off = 0; len - off >= sizeof(cmsghdr);) {
        cmsghdr h{};
        std::memcpy(&h, ctl + off, sizeof h);
        if (h.cmsg_len < sizeof(cmsghdr) || h.cmsg_len > len - off) {
            return -EINVAL;
        }
        if (h.cmsg_level == refused_cmsg_level) {
            return refuse(-EPERM);
        }
        if (h.cmsg_level == SOL_SOCKET && h.cmsg_type == SCM_RIGHTS) {
            const size_t n = (h.cmsg_len - sizeof(cmsghdr)) / sizeof(int);
            for (size_t k = 0; k < n; ++k) {
                int f = 0;
                std::memcpy(&f, ctl + off + sizeof(cmsghdr) + k * sizeof(int), sizeof f);
                if (f >= job_.fd_limit) {
                    return refuse(-EBADF);
                }
            }
        }
        const size_t step = (h.cmsg_len + sizeof(size_t) - 1) & ~(sizeof(size_t) - 1); // CMSG_ALIGN
        if (step > len - off) {
            break;
        }
        off += step;
    }
    m.msg_control = ctl;
    return 0;
}

int64_t Decoder::msg(size_t i, bool receive) {
    if (a(i) == 0) {
        return 0;
    }
    if (range(a(i), sizeof(msghdr)) != 0) {
        return -EFAULT;
    }
    msghdr& m = scratch_.msg;
    copy_in(&m, a(i), sizeof m);
    if (range(addr_of(m.msg_name), m.msg_namelen) != 0 ||
        range(addr_of(m.msg_control), m.msg_controllen) != 0) {
        return -EFAULT;
    }
    if (m.msg_iovlen > max_iov) {
        return -EMSGSIZE;
    }
    if (m.msg_iov != nullptr && m.msg_iovlen != 0) {
        if (const int64_t r = iov_copy(addr_of(m.msg_iov), m.msg_iovlen); r != 0) {
            return r;
        }
        m.msg_iov = scratch_.iov.data();
    }
    if (!receive) {
        if (const int64_t r = control(m); r != 0) {
            return r;
        }
    }
    out_.args[i] = addr_of(&m);
    if (receive &&
        !(add_writeback(a(i) + offsetof(msghdr, msg_namelen), &m.msg_namelen, sizeof m.msg_namelen) &&
          add_writeback(a(i) + offsetof(msghdr, msg_controllen), &m.msg_controllen,
                        sizeof m.msg_controllen) &&
          add_writeback(a(i) + offsetof(msghdr, msg_flags), &m.msg_flags, sizeof m.msg_flags))) {
        return -EINVAL;
    }
    return 0;
}

// SOCKADDR(i) at arg k: a buffer of *(socklen_t*)arg i bytes; the length is copied once and passed
// privately, then stored back.
int64_t Decoder::sockaddr(size_t k, size_t len_arg) {
    const uint64_t lenp = a(len_arg);
    if (lenp != 0) {
        if (range(lenp, sizeof(socklen_t)) != 0) {
            return -EFAULT;
        }
        copy_in(&scratch_.socklen, lenp, sizeof(socklen_t));
        out_.args[len_arg] = addr_of(&scratch_.socklen);
        if (!add_writeback(lenp, &scratch_.socklen, sizeof(socklen_t))) {
            return -EINVAL;
        }
    }
    if (a(k) == 0) {
        return 0;
    }
    return lenp == 0 ? -EFAULT : range(a(k), scratch_.socklen);
}

} // namespace ck::deleg::detail

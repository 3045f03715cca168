#include "decoder.hpp"

#include <cerrno>

namespace ck::deleg {

namespace detail {

int64_t Decoder::run() {
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

bool Decoder::add_writeback(uint64_t job_addr, const void* from, size_t len, size_t count, size_t stride) {
    if (out_.writebacks == out_.writeback.size()) {
        return false;
    }
    out_.writeback[out_.writebacks++] = {job_addr, from, len, count, stride};
    return true;
}

// Elements of elem bytes, count in arg i.
int64_t Decoder::array(uint64_t p, uint64_t count, uint64_t elem) const {
    if (elem != 0 && count > job_.memory.size / elem) {
        return p == 0 || count == 0 ? 0 : -EFAULT;
    }
    return range(p, count * elem);
}

// read and pread64 fill at most len bytes and stop at the end of the data: Linux checks only that the
// buffer lies in the user half, so a length far beyond a small buffer reads what there is. Here the
// length is cut at the end of the job's memory (a read that has more data than that fills the memory up
// to its end and returns the count, where Linux would fault partway). Any other call: all len bytes.
int64_t Decoder::out_up_to(size_t i, size_t len_arg) {
    const uint64_t p = a(i), n = a(len_arg);
    constexpr uint64_t user_end = (uint64_t{1} << 47) - 4096; // TASK_SIZE_MAX with 4-level paging
    if (job_.memory.contains(p, n)) {
        return 0;
    }
    const bool up_to = s_.nr == 0 || s_.nr == 17; // read, pread64
    if (up_to && job_.memory.room(p) != 0 && p < user_end && n <= user_end - p) {
        out_.args[len_arg] = job_.memory.room(p);
        return 0;
    }
    return -EFAULT;
}

int64_t Decoder::fd(uint64_t v) {
    return as_int(v) >= job_.fd_limit ? refuse(-EBADF) : 0;
}

int64_t Decoder::string(size_t i) {
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
    copy_in(copy, p, len);
    copy[len] = '\0'; // the job may have changed the byte since memchr saw it
    out_.args[i] = addr_of(copy);
    return 0;
}

int64_t Decoder::one(size_t i) {
    const ArgSpec& k = s_.args[i];
    switch (k.kind) {
    case ArgKind::none:
    case ArgKind::integer:
    case ArgKind::len:
    case ArgKind::addr:
    case ArgKind::socklen: // checked with its SOCKADDR / OPTVAL_OUT
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
    case ArgKind::out_len:
        return out_up_to(i, k.arg);
    case ArgKind::in_len:
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
    case ArgKind::nfds:
        return nfds(i);
    case ArgKind::fd_set:
        return fd_set(i, k.arg);
    case ArgKind::sigmask:
        return sigset_arg(i, k.arg);
    case ArgKind::sigmask_pack:
        return sigset_pack(i);
    case ArgKind::pollfds:
        return pollfds(i, k.arg);
    case ArgKind::rlimit_in:
        return rlimit_in(i, k.arg);
    case ArgKind::optval_in:
        return optval_in(i, k.arg);
    case ArgKind::optval_out:
        return optval_out(i, k.arg);
    case ArgKind::self_pid:
        return self_pid(i);
    case ArgKind::prio_who:
        return prio_who(i, k.arg);
    case ArgKind::domain:
        return domain(i);
    case ArgKind::raw:
        return -EPERM;
    }
    return -EPERM;
}

} // namespace detail

int64_t prepare(const SyscallInfo& s, const cokernel_deleg_request& req, const JobContext& job,
                Scratch& scratch, Prepared& out) {
    out = Prepared{};
    return detail::Decoder(s, req, job, scratch, out).run();
}

} // namespace ck::deleg

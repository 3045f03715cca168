#pragma once
// The decode step's internals (validate.hpp is its interface): one Decoder per request. The members for
// the nested argument kinds live in decode_*.cpp, one file per family.
#include "validate.hpp"

#include <cstdint>
#include <cstring>

namespace ck::deleg::detail {

inline const void* job_ptr(uint64_t addr) {
    return reinterpret_cast<const void*>(static_cast<uintptr_t>(addr));
}

inline uint64_t addr_of(const void* p) {
    return reinterpret_cast<uintptr_t>(p);
}

// The low 32 bits of an argument as the kernel's int.
inline int32_t as_int(uint64_t v) {
    return static_cast<int32_t>(static_cast<uint32_t>(v));
}

class Decoder {
  public:
    Decoder(const SyscallInfo& s, const cokernel_deleg_request& req, const JobContext& job, Scratch& scratch,
            Prepared& out)
        : s_(s), req_(req), job_(job), scratch_(scratch), out_(out) {}

    int64_t run();

  private:
    uint64_t a(size_t i) const { return req_.args[i]; }
    int64_t range(uint64_t p, uint64_t n) const { return job_.memory.contains(p, n) ? 0 : -EFAULT; }
    // Copies [p, p + n) of job memory (checked by the caller) into dst.
    static void copy_in(void* dst, uint64_t p, size_t n) { std::memcpy(dst, job_ptr(p), n); }
    int64_t refuse(int64_t err) {
        out_.refused = true;
        return err;
    }
    // false when the writebacks are full (static_assert writebacks_fit() says that cannot happen).
    [[nodiscard]] bool add_writeback(uint64_t job_addr, const void* from, size_t len, size_t count = 1,
                                     size_t stride = 0);
    int64_t one(size_t i);

    // validate.cpp
    int64_t fd(uint64_t v);
    int64_t out_up_to(size_t i, size_t len_arg);
    int64_t string(size_t i);
    int64_t array(uint64_t p, uint64_t count, uint64_t elem) const;
    // decode_msg.cpp
    int64_t iov_copy(uint64_t p, uint64_t count);
    int64_t iov(size_t i, uint64_t count);
    int64_t msg(size_t i, bool receive);
    int64_t control(msghdr& m);
    int64_t sockaddr(size_t k, size_t len_arg);
    // decode_ioctl.cpp, decode_fcntl.cpp
    int64_t ioctl(size_t i);
    int64_t ifconf(size_t i);
    int64_t fcntl(size_t i);
    // decode_select.cpp
    int64_t nfds(size_t i);
    int64_t fd_set(size_t i, size_t nfds_arg);
    int64_t sigset_arg(size_t i, size_t size_arg);
    int64_t sigset_pack(size_t i);
    int64_t pollfds(size_t i, size_t count_arg);
    // decode_socket.cpp
    int64_t domain(size_t i);
    int64_t optval_in(size_t i, size_t len_arg);
    int64_t optval_out(size_t i, size_t len_arg);
    // decode_process.cpp
    int64_t rlimit_in(size_t i, size_t resource_arg);
    int64_t self_pid(size_t i);
    int64_t prio_who(size_t i, size_t which_arg);

    const SyscallInfo& s_;
    const cokernel_deleg_request& req_;
    const JobContext& job_;
    Scratch& scratch_;
    Prepared& out_;
};

} // namespace ck::deleg::detail

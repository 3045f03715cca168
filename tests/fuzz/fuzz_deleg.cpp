// libFuzzer target for the proxy's request validator and executor (delegation/): random requests, biased
// toward pointers at the edges of the job's memory, lengths near its end and nested structures (iovecs,
// msghdr and control messages, ifconf, fd_sets, pollfds, rlimits, socket filters, sigmask packs) with
// pointers in and out of it, go through Executor::execute against a fake job memory. Linux is replaced by a
// fake kernel that, for each argument kind of the syscall, reads (or writes) every byte of each range Linux
// would touch, and aborts when a pointer lies outside the job's memory and the proxy's private scratch
// copies, when a descriptor >= fd_limit, an unlisted ioctl, a sigmask or an RLIMIT_NOFILE above fd_limit
// reaches it. Before it looks, it may scribble pointers to outside over the whole job memory, as another job
// thread would between the proxy's check and the kernel's use: what the proxy did not copy then shows.
// After each request: a canary buffer outside the job's memory is unchanged (writebacks land in job memory).
// Built and run by tests/fuzz/run (clang, -fsanitize=fuzzer,address,undefined); docs/delegation.md, "Tests".
#include "executor.hpp"
#include "ioctl_table.hpp"
#include "opened_file.hpp"
#include "policy.hpp"
#include "socket_rules.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

using namespace ck::deleg;

namespace {

void require(bool ok) {
    if (!ok) {
        std::abort();
    }
}

constexpr size_t job_size = 16 * 1024;
alignas(64) uint8_t job_bytes[job_size];
uint8_t canary[4096];
constexpr uint8_t canary_byte = 0xa5;
volatile uint8_t sink;

uint64_t job_base() {
    return reinterpret_cast<uintptr_t>(job_bytes);
}

uint64_t canary_addr() {
    return reinterpret_cast<uintptr_t>(canary);
}

// The fake Linux: checks and touches what the real one would.
class FakeKernel final : public Kernel {
  public:
    // The input to draw answers from and the executor whose scratch and context count, for this request.
    void use(FuzzedDataProvider* in, const Executor* ex) {
        in_ = in;
        ex_ = ex;
    }

    int64_t call(uint64_t nr, const uint64_t (&a)[6]) override {
        const SyscallInfo* s = syscall_info(nr);
        require(s != nullptr && can_delegate(*s));
        if (in_->ConsumeBool()) {
            scribble();
        }
        for (size_t i = 0; i < 6; ++i) {
            arg(*s, i, a);
        }
        ++calls;
        last_nr = nr;
        const int pick = in_->ConsumeIntegralInRange(0, 4);
        if (pick == 0) {
            return -in_->ConsumeIntegralInRange<int64_t>(1, 133);
        }
        if (new_fd_kind(nr, a) != NewFd::none) {
            opened = pick == 1 ? ctx().fd_limit + in_->ConsumeIntegralInRange(0, 3)
                               : in_->ConsumeIntegralInRange(3, ctx().fd_limit > 3 ? ctx().fd_limit - 1 : 3);
            return opened;
        }
        return in_->ConsumeIntegralInRange<int64_t>(0, 64);
    }
    int identify(int fd, FileIdentity& id) override {
        require(fd == opened);
        const int pick = in_->ConsumeIntegralInRange(0, 3);
        if (pick == 0) {
            return -EBADF;
        }
        id = pick == 1 ? ctx().self.reserved[0] : FileIdentity{5, 99, 0, S_IFREG | 0644};
        return 0;
    }
    int64_t fs_type(int fd) override {
        require(fd == opened);
        return in_->ConsumeBool() ? PROC_SUPER_MAGIC : 0xef53;
    }
    int64_t fd_path(int fd, char* buf, size_t size) override {
        require(fd == opened && size >= 64);
        static const char* const paths[] = {
            "/proc/@/mem",     "/proc/@/task/@/maps", "/proc/self",       "/proc/1/status",
            "/proc/@/net/dev", "/proc/cpuinfo",       "/proc/1/fdinfo/@", ""};
        const char* p = paths[in_->ConsumeIntegralInRange<size_t>(0, std::size(paths) - 1)];
        size_t n = 0;
        for (; *p != '\0' && n + 12 < size; ++p) {
            if (*p == '@') {
                n += static_cast<size_t>(std::snprintf(buf + n, size - n, "%d", ctx().self.pid));
            } else {
                buf[n++] = *p;
            }
        }
        return static_cast<int64_t>(n);
    }
    bool own_task(int tid) override { return tid == ctx().self.pid; }
    void close(int fd) override {
        require(fd == opened);
        closed = fd;
    }

    int calls = 0;
    uint64_t last_nr = 0;
    int opened = -1;
    int closed = -1;

  private:
    const JobContext& ctx() const { return ex_->job(); }

    bool in_job(uint64_t p, uint64_t n) const {
        return p >= job_base() && p - job_base() <= job_size && n <= job_size - (p - job_base());
    }
    bool in_scratch(uint64_t p, uint64_t n) const {
        const auto s = reinterpret_cast<uintptr_t>(&ex_->scratch());
        return p >= s && p - s <= sizeof(Scratch) && n <= sizeof(Scratch) - (p - s);
    }
    // What Linux does with [p, p + n): NULL faults (nothing touched), n == 0 touches nothing.
    void touch(uint64_t p, uint64_t n, bool write) {
        if (p == 0 || n == 0) {
            return;
        }
        require(in_job(p, n) || in_scratch(p, n));
        auto* b = reinterpret_cast<uint8_t*>(static_cast<uintptr_t>(p));
        if (write) {
            std::memset(b, 0x5a, static_cast<size_t>(n));
        } else {
            uint8_t x = 0;
            for (uint64_t i = 0; i < n; ++i) {
                x = static_cast<uint8_t>(x ^ b[i]);
            }
            sink = x;
        }
    }
    template <class T>
    T read(uint64_t p) {
        touch(p, sizeof(T), false);
        T v{};
        std::memcpy(&v, reinterpret_cast<const void*>(static_cast<uintptr_t>(p)), sizeof v);
        return v;
    }
    // Another job thread: every word of job memory becomes a pointer outside it or a huge length.
    void scribble() {
        const uint64_t bad[] = {canary_addr(), job_base() + job_size, job_base() - 8, ~uint64_t{0} >> 1};
        for (size_t i = 0; i < job_size; i += 8) {
            std::memcpy(job_bytes + i, &bad[(i / 8) % std::size(bad)], 8);
        }
    }
    void iovecs(uint64_t p, uint64_t count, bool write) {
        if (p == 0 || count == 0) {
            return; // Linux reads no iovec
        }
        require(count <= max_iov && in_scratch(p, count * sizeof(iovec))); // always the proxy's copy
        for (uint64_t k = 0; k < count; ++k) {
            const iovec v = read<iovec>(p + k * sizeof(iovec));
            touch(reinterpret_cast<uintptr_t>(v.iov_base), v.iov_len, write);
        }
    }
    void msg(uint64_t p, bool receive) {
        if (p == 0) {
            return;
        }
        require(in_scratch(p, sizeof(msghdr)));
        msghdr m = read<msghdr>(p);
        touch(reinterpret_cast<uintptr_t>(m.msg_name), m.msg_namelen, receive);
        iovecs(reinterpret_cast<uintptr_t>(m.msg_iov), m.msg_iovlen, receive);
        const auto ctl = reinterpret_cast<uintptr_t>(m.msg_control);
        touch(ctl, m.msg_controllen, receive);
        if (!receive && ctl != 0 && m.msg_controllen != 0) {
            require(in_scratch(ctl, m.msg_controllen)); // checked control messages: the proxy's copy
            for (size_t off = 0; m.msg_controllen - off >= sizeof(cmsghdr);) {
                const cmsghdr h = read<cmsghdr>(ctl + off);
                if (h.cmsg_len < sizeof(cmsghdr) || h.cmsg_len > m.msg_controllen - off) {
                    break; // Linux: -EINVAL
                }
                require(h.cmsg_level != refused_cmsg_level);
                if (h.cmsg_level == SOL_SOCKET && h.cmsg_type == SCM_RIGHTS) {
                    for (size_t k = 0; k < (h.cmsg_len - sizeof(cmsghdr)) / sizeof(int); ++k) {
                        require(read<int>(ctl + off + sizeof(cmsghdr) + k * sizeof(int)) < ctx().fd_limit);
                    }
                }
                const size_t step = (h.cmsg_len + 7) & ~size_t{7};
                if (step > m.msg_controllen - off) {
                    break;
                }
                off += step;
            }
        }
        if (receive) {
            m.msg_flags = 0x40;
            m.msg_controllen = 0;
            std::memcpy(reinterpret_cast<void*>(static_cast<uintptr_t>(p)), &m, sizeof m);
        }
    }
    void socklen_buffer(uint64_t p, uint64_t lenp) {
        if (lenp == 0) {
            require(p == 0);
            return;
        }
        require(in_scratch(lenp, sizeof(socklen_t)));
        const auto len = read<socklen_t>(lenp);
        touch(p, len, true);
        touch(lenp, sizeof(socklen_t), true);
    }
    void ioctl_arg(uint32_t cmd, uint64_t p) {
        const IoctlInfo* info = ioctl_info(cmd);
        require(info != nullptr); // only listed ioctls reach Linux
        switch (info->arg) {
        case IoctlArg::none:
        case IoctlArg::value:
            return;
        case IoctlArg::in:
            touch(p, info->size, false);
            return;
        case IoctlArg::out:
        case IoctlArg::inout:
            touch(p, info->size, true);
            return;
        case IoctlArg::ifconf:
            if (p != 0) {
                require(in_scratch(p, sizeof(ifconf)));
                const ifconf c = read<ifconf>(p);
                if (c.ifc_buf != nullptr && c.ifc_len > 0) {
                    touch(reinterpret_cast<uintptr_t>(c.ifc_buf), static_cast<uint64_t>(c.ifc_len), true);
                }
                touch(p, sizeof(ifconf), true);
            }
            return;
        }
    }
    void fcntl_arg(int cmd, uint64_t p) {
        switch (cmd) {
        case F_GETLK:
        case F_SETLK:
        case F_SETLKW:
        case F_OFD_GETLK:
        case F_OFD_SETLK:
        case F_OFD_SETLKW:
            touch(p, sizeof(struct flock), true);
            return;
        case F_GETOWN_EX:
        case F_SETOWN_EX:
            touch(p, sizeof(f_owner_ex), true);
            return;
        case F_GET_RW_HINT:
        case F_SET_RW_HINT:
        case F_GET_FILE_RW_HINT:
        case F_SET_FILE_RW_HINT:
            touch(p, 8, true);
            return;
        case F_DUPFD:
        case F_DUPFD_CLOEXEC:
            require(static_cast<int32_t>(p) < ctx().fd_limit);
            return;
        default:
            return; // integer commands
        }
    }

    void arg(const SyscallInfo& s, size_t i, const uint64_t (&a)[6]) {
        const ArgSpec& k = s.args[i];
        const uint64_t p = a[i];
        switch (k.kind) {
        case ArgKind::none:
        case ArgKind::integer:
        case ArgKind::len:
        case ArgKind::addr:
        case ArgKind::socklen:
            return;
        case ArgKind::fd:
            require(static_cast<int32_t>(p) < ctx().fd_limit);
            return;
        case ArgKind::fd_last:
            require(p < static_cast<uint64_t>(ctx().fd_limit) || ctx().fd_limit <= 0);
            return;
        case ArgKind::string:
            if (p != 0) {
                require(in_scratch(p, 1)); // strings: always the proxy's copy
                for (uint64_t q = p;; ++q) {
                    if (read<char>(q) == '\0') {
                        break;
                    }
                }
            }
            return;
        case ArgKind::in:
            touch(p, k.size, false);
            return;
        case ArgKind::out:
        case ArgKind::inout:
            touch(p, k.size, true);
            return;
        case ArgKind::in_len:
            touch(p, a[k.arg], false);
            return;
        case ArgKind::out_len:
        case ArgKind::inout_len:
            touch(p, a[k.arg], true);
            return;
        case ArgKind::in_array:
        case ArgKind::out_array:
        case ArgKind::inout_array:
            require(k.size == 0 || a[k.arg] <= job_size / k.size || p == 0);
            touch(p, a[k.arg] * k.size, k.kind != ArgKind::in_array);
            return;
        case ArgKind::iov_in:
        case ArgKind::iov_out:
            iovecs(p, a[k.arg], k.kind == ArgKind::iov_out);
            return;
        case ArgKind::msg_in:
        case ArgKind::msg_out:
            msg(p, k.kind == ArgKind::msg_out);
            return;
        case ArgKind::sockaddr:
        case ArgKind::optval_out:
            if (k.kind == ArgKind::optval_out) {
                require(!sockopt_refused(static_cast<int>(a[1]), static_cast<int>(a[2]), false));
            }
            socklen_buffer(p, a[k.arg]);
            return;
        case ArgKind::optval_in: {
            const auto level = static_cast<int>(a[1]);
            const auto name = static_cast<int>(a[2]);
            require(!sockopt_refused(level, name, true));
            touch(p, a[k.arg], false);
            if (p != 0 && level == SOL_SOCKET &&
                (name == SO_ATTACH_FILTER || name == SO_ATTACH_REUSEPORT_CBPF) &&
                a[k.arg] == sizeof(sock_fprog)) {
                const sock_fprog f = read<sock_fprog>(p);
                touch(reinterpret_cast<uintptr_t>(f.filter), uint64_t{f.len} * sizeof(sock_filter), false);
            }
            if (p != 0 && level == SOL_SOCKET &&
                (name == SO_ATTACH_BPF || name == SO_ATTACH_REUSEPORT_EBPF) && a[k.arg] == sizeof(int)) {
                require(read<int>(p) < ctx().fd_limit);
            }
            return;
        }
        case ArgKind::ioctl_arg:
            ioctl_arg(static_cast<uint32_t>(a[1]), p);
            return;
        case ArgKind::fcntl_arg:
            fcntl_arg(static_cast<int>(a[1]), p);
            return;
        case ArgKind::nfds:
            require(static_cast<int64_t>(p) <= ctx().fd_limit);
            return;
        case ArgKind::fd_set:
            touch(p, (a[k.arg] + 63) / 64 * 8, true);
            return;
        case ArgKind::sigmask:
        case ArgKind::sigmask_pack:
            require(p == 0); // never applied to the proxy
            return;
        case ArgKind::pollfds: {
            const uint64_t n = static_cast<uint32_t>(a[k.arg]);
            if (p == 0 || n == 0) {
                return;
            }
            require(in_scratch(p, n * sizeof(pollfd)));
            for (uint64_t e = 0; e < n; ++e) {
                const pollfd f = read<pollfd>(p + e * sizeof(pollfd));
                require(f.fd < ctx().fd_limit || f.fd == INT_MAX);
            }
            touch(p, n * sizeof(pollfd), true);
            return;
        }
        case ArgKind::rlimit_in:
            if (p != 0) {
                require(in_scratch(p, sizeof(rlimit)));
                const rlimit r = read<rlimit>(p);
                require(static_cast<uint32_t>(a[k.arg]) != RLIMIT_NOFILE ||
                        r.rlim_max <= static_cast<rlim_t>(ctx().fd_limit));
            }
            return;
        case ArgKind::self_pid:
            require(static_cast<int32_t>(p) == 0 || static_cast<int32_t>(p) == ctx().self.pid);
            return;
        case ArgKind::prio_who: // any pid: Linux checks the rights
            return;
        case ArgKind::domain:
            require(!family_refused(static_cast<int>(p)));
            return;
        case ArgKind::raw:
            require(false);
            return;
        }
    }

    FuzzedDataProvider* in_ = nullptr;
    const Executor* ex_ = nullptr;
};

// Values the generator prefers: edges of the job's memory, the canary outside it, descriptors around
// fd_limit, command numbers the proxy knows (and some it does not).
class Generator {
  public:
    Generator(FuzzedDataProvider& in, int fd_limit) : in_(in), fd_limit_(fd_limit) {}

    uint64_t pointer(uint64_t need) {
        const uint64_t end = job_base() + job_size;
        switch (in_.ConsumeIntegralInRange(0, 9)) {
        case 0:
            return 0;
        case 1:
            return job_base();
        case 2:
            return end - (need < job_size ? need : 0); // exactly fits at the end
        case 3:
            return end - need + in_.ConsumeIntegralInRange<uint64_t>(1, 16); // one past
        case 4:
            return job_base() - in_.ConsumeIntegralInRange<uint64_t>(1, 64);
        case 5:
            return canary_addr() + in_.ConsumeIntegralInRange<uint64_t>(0, 64);
        case 6:
            return in_.ConsumeIntegral<uint64_t>();
        case 7:
            return end - in_.ConsumeIntegralInRange<uint64_t>(0, 256);
        default:
            return job_base() + (in_.ConsumeIntegralInRange<uint64_t>(0, job_size / 8 - 1) * 8);
        }
    }
    uint64_t length() {
        switch (in_.ConsumeIntegralInRange(0, 6)) {
        case 0:
            return 0;
        case 1:
            return in_.ConsumeIntegralInRange<uint64_t>(1, 64);
        case 2:
            return job_size - in_.ConsumeIntegralInRange<uint64_t>(0, 64);
        case 3:
            return job_size + in_.ConsumeIntegralInRange<uint64_t>(0, 64);
        case 4:
            return in_.ConsumeIntegral<uint64_t>();
        default:
            return in_.ConsumeIntegralInRange<uint64_t>(0, 4096);
        }
    }
    uint64_t fd() {
        switch (in_.ConsumeIntegralInRange(0, 5)) {
        case 0:
            return static_cast<uint64_t>(fd_limit_);
        case 1:
            return static_cast<uint64_t>(fd_limit_ - 1);
        case 2:
            return static_cast<uint64_t>(static_cast<int64_t>(AT_FDCWD));
        case 3:
            return in_.ConsumeIntegral<uint64_t>();
        default:
            return in_.ConsumeIntegralInRange<uint64_t>(0, 8);
        }
    }
    uint64_t integer() {
        switch (in_.ConsumeIntegralInRange(0, 4)) {
        case 0:
            return 0;
        case 1:
            return in_.ConsumeIntegral<uint64_t>();
        case 2:
            return static_cast<uint64_t>(fd_limit_) + in_.ConsumeIntegralInRange<uint64_t>(0, 64) - 32;
        default:
            return in_.ConsumeIntegralInRange<uint64_t>(0, 300);
        }
    }
    uint32_t ioctl_cmd() {
        if (in_.ConsumeBool()) {
            return ioctl_table[in_.ConsumeIntegralInRange<size_t>(0, std::size(ioctl_table) - 1)].number;
        }
        return in_.ConsumeBool() ? in_.ConsumeIntegralInRange<uint32_t>(0x4b00, 0x5700)
                                 : in_.ConsumeIntegral<uint32_t>();
    }

    // A nested structure written into job memory at a fuzz-chosen place; returns its address.
    uint64_t structure(ArgKind kind) {
        const uint64_t at = job_base() + in_.ConsumeIntegralInRange<uint64_t>(0, job_size / 16 - 1) * 16;
        const uint64_t room = job_base() + job_size - at;
        auto put = [&](uint64_t off, const void* v, size_t n) {
            if (off + n <= room) {
                std::memcpy(reinterpret_cast<void*>(static_cast<uintptr_t>(at + off)), v, n);
            }
        };
        auto put64 = [&](uint64_t off, uint64_t v) { put(off, &v, 8); };
        switch (kind) {
        case ArgKind::iov_in:
        case ArgKind::iov_out:
            for (uint64_t k = 0; k < 4; ++k) {
                put64(16 * k, pointer(16));
                put64(16 * k + 8, length());
            }
            break;
        case ArgKind::msg_in:
        case ArgKind::msg_out: {
            put64(0, pointer(16));                        // msg_name
            put64(8, in_.ConsumeIntegralInRange(0, 128)); // msg_namelen (+ padding)
            const uint64_t iov = at + 64;
            put64(16, in_.ConsumeBool() ? iov : pointer(16));
            put64(24, in_.ConsumeIntegralInRange<uint64_t>(0, 4));
            for (uint64_t k = 0; k < 4; ++k) {
                put64(64 + 16 * k, pointer(8));
                put64(64 + 16 * k + 8, in_.ConsumeIntegralInRange<uint64_t>(0, 64));
            }
            const uint64_t ctl = at + 128;
            const uint64_t ctl_len = in_.ConsumeIntegralInRange<uint64_t>(0, 96);
            put64(32, in_.ConsumeBool() ? ctl : pointer(ctl_len));
            put64(40, in_.ConsumeBool() ? ctl_len : length());
            for (uint64_t off = 0; off < 96;) { // control messages
                const uint64_t clen = in_.ConsumeBool() ? 16 + 4 * in_.ConsumeIntegralInRange<uint64_t>(0, 3)
                                                        : in_.ConsumeIntegralInRange<uint64_t>(0, 120);
                put64(128 + off, clen);
                const int level = in_.ConsumeBool() ? SOL_SOCKET : in_.ConsumeIntegralInRange(0, 300);
                const int type = in_.ConsumeBool() ? SCM_RIGHTS : in_.ConsumeIntegralInRange(0, 4);
                put(128 + off + 8, &level, 4);
                put(128 + off + 12, &type, 4);
                for (uint64_t k = 0; k < 4; ++k) {
                    const auto f = static_cast<int>(fd());
                    put(128 + off + 16 + 4 * k, &f, 4);
                }
                off += 32;
            }
            break;
        }
        case ArgKind::ioctl_arg: { // struct ifconf
            const int len = in_.ConsumeIntegralInRange(-8, 400);
            put(0, &len, 4);
            put64(8, pointer(static_cast<uint64_t>(len > 0 ? len : 0)));
            break;
        }
        case ArgKind::pollfds:
            for (uint64_t k = 0; k < 8; ++k) {
                const auto f = static_cast<int>(fd());
                put(8 * k, &f, 4);
            }
            break;
        case ArgKind::rlimit_in:
            put64(0, integer());
            put64(8, in_.ConsumeBool()
                         ? static_cast<uint64_t>(fd_limit_) + in_.ConsumeIntegralInRange(0, 2) - 1
                         : integer());
            break;
        case ArgKind::optval_in: // struct sock_fprog, or an int descriptor
            put64(0, in_.ConsumeIntegralInRange<uint64_t>(0, 64));
            put64(8, pointer(8));
            break;
        case ArgKind::sigmask_pack:
            put64(0, pointer(8));
            put64(8, in_.ConsumeBool() ? 8 : length());
            break;
        default:
            for (uint64_t k = 0; k < 8; ++k) {
                put64(8 * k, in_.ConsumeBool() ? pointer(8) : integer());
            }
            break;
        }
        return at;
    }

  private:
    FuzzedDataProvider& in_;
    int fd_limit_;
};

const PolicySet& fuzz_policy() {
    static const PolicySet p = [] {
        PolicySet s;
        (void)s.delegate("clock_gettime,clock_getres,clock_nanosleep,gettimeofday,time,nanosleep,sched_yield,"
                         "uname,getrandom");
        return s;
    }();
    return p;
}

const std::vector<uint16_t>& delegated_numbers() {
    static const std::vector<uint16_t> v = [] {
        std::vector<uint16_t> n;
        for (const SyscallInfo& s : syscall_table) {
            if (fuzz_policy().effective(s.nr) == Policy::delegated) {
                n.push_back(s.nr);
            }
        }
        return n;
    }();
    return v;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    // One executor per fd_limit, made once (a Scratch is large; the executor keeps nothing between requests
    // but its statistics).
    static FakeKernel kernel;
    static const int limits[] = {1000, 64, 3, 0};
    static Executor* executors[std::size(limits)];
    const size_t which = in.ConsumeIntegralInRange<size_t>(0, std::size(limits) - 1);
    if (executors[which] == nullptr) {
        JobContext job;
        job.memory = {job_base(), job_size};
        job.fd_limit = limits[which];
        job.self.pid = 4242;
        job.self.reserved[0] = {7, 1000, 0, S_IFCHR | 0600};
        job.self.reserved_count = 1;
        executors[which] = new Executor(job, fuzz_policy(), kernel);
    }
    Executor& ex = *executors[which];
    const JobContext& job = ex.job();
    kernel.use(&in, &ex);
    std::memset(canary, canary_byte, sizeof canary);
    uint64_t seed = in.ConsumeIntegral<uint64_t>();
    for (size_t i = 0; i < job_size; i += 8) {
        uint64_t r = (seed += 0x9e3779b97f4a7c15u); // splitmix64
        r = (r ^ (r >> 30)) * 0xbf58476d1ce4e5b9u;
        r = (r ^ (r >> 27)) * 0x94d049bb133111ebu;
        r ^= r >> 31;
        const uint64_t v = r % 4 == 0 ? 0 : r % 4 == 1 ? r % 512 : r % 4 == 2 ? job_base() + r % job_size : r;
        std::memcpy(job_bytes + i, &v, 8);
    }

    Generator gen(in, job.fd_limit);
    for (int round = 0; round < 4 && in.remaining_bytes() > 0; ++round) {
        cokernel_deleg_request req{};
        const auto& nrs = delegated_numbers();
        req.nr = in.ConsumeIntegralInRange(0, 15) == 0
                     ? in.ConsumeIntegralInRange<uint32_t>(0, 600)
                     : nrs[in.ConsumeIntegralInRange<size_t>(0, nrs.size() - 1)];
        req.flags = in.ConsumeIntegralInRange(0, 31) == 0 ? in.ConsumeIntegral<uint32_t>() : 0;
        const SyscallInfo* s = syscall_info(req.nr);
        for (size_t i = 0; i < 6; ++i) {
            const ArgKind kind = s != nullptr ? s->args[i].kind : ArgKind::integer;
            uint64_t& a = req.args[i];
            switch (kind) {
            case ArgKind::fd:
            case ArgKind::fd_last:
                a = gen.fd();
                break;
            case ArgKind::len:
            case ArgKind::socklen:
                a = in.ConsumeBool() ? gen.length() : gen.pointer(4);
                break;
            case ArgKind::integer:
            case ArgKind::nfds:
            case ArgKind::domain:
            case ArgKind::self_pid:
            case ArgKind::prio_who:
                a = in.ConsumeIntegralInRange(0, 7) == 0 ? 4242 : gen.integer();
                break;
            case ArgKind::iov_in:
            case ArgKind::iov_out:
            case ArgKind::msg_in:
            case ArgKind::msg_out:
            case ArgKind::pollfds:
            case ArgKind::rlimit_in:
            case ArgKind::optval_in:
            case ArgKind::sigmask_pack:
            case ArgKind::ioctl_arg:
                a = in.ConsumeBool() ? gen.structure(kind) : gen.pointer(16);
                break;
            default:
                a = in.ConsumeIntegralInRange(0, 5) == 0 ? gen.structure(kind) : gen.pointer(16);
                break;
            }
        }
        if (req.nr == SYS_ioctl) {
            req.args[1] = gen.ioctl_cmd();
        }
        if (req.nr == SYS_setsockopt || req.nr == SYS_getsockopt) {
            static const int levels[] = {SOL_SOCKET, 0, 6, 41, 263, 276, 283};
            static const int names[] = {
                SO_ATTACH_FILTER, SO_ATTACH_REUSEPORT_CBPF, SO_ATTACH_BPF, 64, 129, 35, 22, 2};
            req.args[1] =
                static_cast<uint64_t>(levels[in.ConsumeIntegralInRange<size_t>(0, std::size(levels) - 1)]);
            req.args[2] =
                static_cast<uint64_t>(names[in.ConsumeIntegralInRange<size_t>(0, std::size(names) - 1)]);
            if (in.ConsumeBool()) {
                req.args[4] = in.ConsumeBool() ? sizeof(sock_fprog) : 4;
            }
        }
        if (req.nr == SYS_fcntl && in.ConsumeBool()) {
            static const int cmds[] = {F_GETLK, F_SETLKW,        F_OFD_GETLK, F_GETOWN_EX, F_GET_RW_HINT,
                                       F_DUPFD, F_DUPFD_CLOEXEC, F_GETFL,     0x7777};
            req.args[1] =
                static_cast<uint64_t>(cmds[in.ConsumeIntegralInRange<size_t>(0, std::size(cmds) - 1)]);
        }

        kernel.opened = -1;
        kernel.closed = -1;
        const int calls = kernel.calls;
        const int64_t r = ex.execute(req);
        require(r >= -4095);
        if (kernel.calls != calls && new_fd_kind(req.nr, req.args) != NewFd::none && kernel.opened >= 0) {
            // A descriptor >= fd_limit or a refused file never reaches the job; a refused one was closed.
            require(r < job.fd_limit);
            require((r == -EMFILE || r == -EACCES) == (kernel.closed == kernel.opened));
        }
        for (uint8_t b : canary) {
            require(b == canary_byte); // nothing landed outside the job's memory
        }
    }
    return 0;
}

// Raw /dev/xemem requests for the VM tests (xemem_bad_ioctls, xemem_smoke): no libxemem, so these tests prove
// the module alone. Each check prints "ok" or "FAIL" with its name, as tests/qemu/lib.sh does.
#pragma once

#include <cokernel/xemem.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace xt {

inline int checks = 0;
inline int failures = 0;

inline void check(bool good, const char* name) {
    ++checks;
    if (good) {
        std::printf("ok   - %s\n", name);
    } else {
        ++failures;
        std::printf("FAIL - %s (errno %s)\n", name, std::strerror(errno));
    }
    std::fflush(stdout);
}

template <typename T>
T request() {
    T t{};
    t.hdr = {COKERNEL_SIGNATURE, COKERNEL_XEMEM_REVISION, static_cast<std::uint16_t>(sizeof(T))};
    return t;
}

inline int open_dev() {
    return open(XEMEM_DEVICE, O_RDWR | O_CLOEXEC);
}

// Each returns the id (or address), or -errno.
inline std::int64_t make(int fd, const void* addr, std::uint64_t size, unsigned mode,
                         const char* name = nullptr) {
    auto m = request<xemem_make>();
    m.vaddr = reinterpret_cast<std::uintptr_t>(addr);
    m.size = size;
    m.permit_type = XEMEM_PERMIT_MODE;
    m.permit_value = mode;
    if (name != nullptr) {
        std::strncpy(m.name, name, sizeof(m.name) - 1);
    }
    return ioctl(fd, XEMEM_IOC_MAKE, &m) == 0 ? m.segid : -errno;
}

inline int remove(int fd, std::int64_t segid) {
    auto r = request<xemem_remove>();
    r.segid = segid;
    return ioctl(fd, XEMEM_IOC_REMOVE, &r) == 0 ? 0 : -errno;
}

inline std::int64_t get(int fd, std::int64_t segid, unsigned flags) {
    auto g = request<xemem_get>();
    g.segid = segid;
    g.flags = flags;
    return ioctl(fd, XEMEM_IOC_GET, &g) == 0 ? g.apid : -errno;
}

inline int release(int fd, std::int64_t apid) {
    auto r = request<xemem_release>();
    r.apid = apid;
    return ioctl(fd, XEMEM_IOC_RELEASE, &r) == 0 ? 0 : -errno;
}

// The mapped address, or nullptr with errno set.
inline void* attach(int fd, std::int64_t apid, std::uint64_t offset, std::uint64_t size, void* at = nullptr) {
    auto a = request<xemem_attach>();
    a.apid = apid;
    a.offset = offset;
    a.size = size;
    a.vaddr = reinterpret_cast<std::uintptr_t>(at);
    if (ioctl(fd, XEMEM_IOC_ATTACH, &a) != 0) {
        return nullptr;
    }
    return reinterpret_cast<void*>(static_cast<std::uintptr_t>(a.addr));
}

inline int detach(int fd, const void* addr) {
    auto d = request<xemem_detach>();
    d.vaddr = reinterpret_cast<std::uintptr_t>(addr);
    return ioctl(fd, XEMEM_IOC_DETACH, &d) == 0 ? 0 : -errno;
}

inline xemem_stats stats(int fd) {
    auto s = request<xemem_stats>();
    if (ioctl(fd, XEMEM_IOC_STATS, &s) != 0) {
        std::perror("XEMEM_IOC_STATS");
        s.segments = ~0ull;
    }
    return s;
}

// Nothing live: no segment, apid, attachment or pinned page, and every pin undone.
inline bool idle(int fd) {
    const xemem_stats s = stats(fd);
    const bool good = s.segments == 0 && s.apids == 0 && s.attachments == 0 && s.pinned_pages == 0 &&
                      s.pins_total == s.unpins_total;
    if (!good) {
        std::printf(
            "# stats: segments %llu apids %llu attachments %llu pinned %llu pins %llu unpins %llu\n",
            static_cast<unsigned long long>(s.segments), static_cast<unsigned long long>(s.apids),
            static_cast<unsigned long long>(s.attachments), static_cast<unsigned long long>(s.pinned_pages),
            static_cast<unsigned long long>(s.pins_total), static_cast<unsigned long long>(s.unpins_total));
    }
    return good;
}

inline int summary(const char* program) {
    std::printf("# %s: %d checks, %d failed\n", program, checks, failures);
    return failures == 0 && checks > 0 ? 0 : 1;
}

} // namespace xt

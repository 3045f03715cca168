// ioctl's third argument, by the allow-list (ioctls.def): anything not listed is refused with -ENOTTY.
#include "decoder.hpp"
#include "ioctl_table.hpp"

#include <cerrno>

namespace ck::deleg::detail {

static_assert(sizeof(ifconf) == 16 && offsetof(ifconf, ifc_len) == 0 && offsetof(ifconf, ifc_buf) == 8,
              "x86-64 struct ifconf");
static_assert(sizeof(ifreq) == 40, "x86-64 struct ifreq");

int64_t Decoder::ioctl(size_t i) {
    const IoctlInfo* info = ioctl_info(static_cast<uint32_t>(a(1)));
    if (info == nullptr) {
        return refuse(-ENOTTY);
    }
    switch (info->arg) {
    case IoctlArg::none:
    case IoctlArg::value:
        return 0;
    case IoctlArg::in:
    case IoctlArg::out:
    case IoctlArg::inout:
        return range(a(i), info->size);
    case IoctlArg::ifconf:
        return ifconf(i);
    }
    return refuse(-ENOTTY);
}

// SIOCGIFCONF: struct ifconf copied; ifc_buf (when not NULL) must hold ifc_len bytes of job memory; the
// kernel gets the copy and its ifc_len is stored back.
int64_t Decoder::ifconf(size_t i) {
    const uint64_t p = a(i);
    if (p == 0) {
        return 0;
    }
    if (range(p, sizeof(::ifconf)) != 0) {
        return -EFAULT;
    }
    ::ifconf& c = scratch_.ifc;
    copy_in(&c, p, sizeof c);
    if (c.ifc_len > 0 && range(addr_of(c.ifc_buf), static_cast<uint64_t>(c.ifc_len)) != 0) {
        return -EFAULT;
    }
    out_.args[i] = addr_of(&c);
    return add_writeback(p + offsetof(::ifconf, ifc_len), &c.ifc_len, sizeof c.ifc_len) ? 0 : -EINVAL;
}

} // namespace ck::deleg::detail

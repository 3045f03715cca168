#pragma once
// The ioctl allow-list (ioctls.def) as constexpr data: the commands the proxy forwards and the layout of
// their argument. A command that is not in it is refused with -ENOTTY.
#include <cstddef>
#include <cstdint>

namespace ck::deleg {

enum class IoctlArg : uint8_t { none, value, in, out, inout, ifconf };

struct IoctlInfo {
    const char* name;
    uint32_t number;
    IoctlArg arg;
    uint16_t size; // bytes behind the pointer (in, out, inout, ifconf)
};

// A range of commands refused on purpose (documentation: unlisted commands are refused as well).
struct IoctlRefusal {
    const char* name;
    uint32_t first, last;
};

inline constexpr IoctlInfo ioctl_table[] = {
#define CK_IOCTL(name, number, arg, size) {#name, number, IoctlArg::arg, size},
#define CK_IOCTL_REFUSED(name, first, last)
#include "ioctls.def"
#undef CK_IOCTL_REFUSED
#undef CK_IOCTL
};

inline constexpr IoctlRefusal ioctl_refusals[] = {
#define CK_IOCTL(name, number, arg, size)
#define CK_IOCTL_REFUSED(name, first, last) {#name, first, last},
#include "ioctls.def"
#undef CK_IOCTL_REFUSED
#undef CK_IOCTL
};

// nullptr: not forwarded (the kernel sees the command as an unsigned int; so does this lookup).
constexpr const IoctlInfo* ioctl_info(uint32_t cmd) {
    for (const IoctlInfo& i : ioctl_table) {
        if (i.number == cmd) {
            return &i;
        }
    }
    return nullptr;
}

constexpr const char* ioctl_arg_name(IoctlArg a) {
    switch (a) {
    case IoctlArg::none:
        return "none";
    case IoctlArg::value:
        return "value";
    case IoctlArg::in:
        return "in";
    case IoctlArg::out:
        return "out";
    case IoctlArg::inout:
        return "inout";
    case IoctlArg::ifconf:
        return "ifconf";
    }
    return "?";
}

namespace detail {
constexpr bool ioctl_table_consistent() {
    for (const IoctlInfo& i : ioctl_table) {
        const bool pointer = i.arg != IoctlArg::none && i.arg != IoctlArg::value;
        if (pointer != (i.size != 0) || ioctl_info(i.number) != &i) {
            return false; // a pointer without a size, a size without a pointer, or a number listed twice
        }
        const uint32_t encoded = (i.number >> 16) & 0x3fffu;
        if (encoded != 0 && encoded != i.size) {
            return false; // _IOR/_IOW/_IOWR: the size in the number is the size in the table
        }
        for (const IoctlRefusal& r : ioctl_refusals) {
            if (i.number >= r.first && i.number <= r.last) {
                return false;
            }
        }
    }
    return true;
}
} // namespace detail
static_assert(detail::ioctl_table_consistent(), "ioctls.def: inconsistent entry");

} // namespace ck::deleg

#include "text.hpp"

#include <array>
#include <cstring>

namespace cokernel {

std::string format_size(std::uint64_t bytes) {
    static constexpr std::array<const char*, 5> units = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    std::size_t unit = 0;
    while (unit + 1 < units.size() && bytes >= (std::uint64_t{1} << (10 * (unit + 1))))
        ++unit;
    std::uint64_t unit_size = std::uint64_t{1} << (10 * unit);
    if (bytes % unit_size == 0)
        return cat(bytes / unit_size, ' ', units[unit]);
    std::ostringstream out;
    out.setf(std::ios::fixed);
    out.precision(1);
    out << static_cast<double>(bytes) / static_cast<double>(unit_size) << ' ' << units[unit];
    return out.str();
}

std::string hex(std::uint64_t value) {
    std::ostringstream out;
    out << "0x" << std::hex << value;
    return out.str();
}

std::string errno_text(int err) {
    return std::strerror(err);
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i != 0)
            out += separator;
        out += parts[i];
    }
    return out;
}

} // namespace cokernel

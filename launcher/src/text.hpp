// Small text helpers shared by the commands: concatenation, sizes, hex.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace cokernel {

// cat("CPU ", 3, " is offline") -> "CPU 3 is offline"
template <class... Args>
std::string cat(const Args&... args) {
    std::ostringstream out;
    (out << ... << args);
    return out.str();
}

// 268435456 -> "256 MiB", 1610612736 -> "1.5 GiB": the largest binary unit, one decimal if inexact.
std::string format_size(std::uint64_t bytes);
std::string hex(std::uint64_t value);
std::string errno_text(int err);
std::string join(const std::vector<std::string>& parts, const std::string& separator);

} // namespace cokernel

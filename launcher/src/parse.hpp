// Parsing of what users type: CPU lists ("2-3,5"), sizes ("256M", "2GiB"),
// plain numbers. Every error message quotes the input and says what was expected.
#pragma once

#include "result.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cokernel {

// Largest CPU number accepted in a list; keeps "0-4000000000" from allocating.
inline constexpr unsigned max_cpu_number = 65535;

// "2-3,5" -> {2, 3, 5}: sorted, without duplicates.
Result<std::vector<unsigned>> parse_cpu_list(std::string_view text);
// {1, 2, 3, 5} -> "1-3,5"
std::string format_cpu_list(const std::vector<unsigned>& cpus);

// "134217728", "256M", "256MiB", "1G", "2GiB": bytes, binary units, > 0.
Result<std::uint64_t> parse_size(std::string_view text);

// A non-negative decimal number; `what` names it in the error ("--ncpus").
Result<unsigned> parse_unsigned(std::string_view text, std::string_view what);

} // namespace cokernel

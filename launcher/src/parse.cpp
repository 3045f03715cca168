#include "parse.hpp"

#include "text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <utility>

namespace cokernel {
namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Decimal digits only; nullopt-like false on empty, non-digit or overflow.
enum class NumberStatus { ok, empty, not_a_number, overflow };

NumberStatus parse_u64(std::string_view text, std::uint64_t& out) {
    if (text.empty())
        return NumberStatus::empty;
    std::uint64_t value = 0;
    for (char c : text) {
        if (!is_digit(c))
            return NumberStatus::not_a_number;
        auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
            return NumberStatus::overflow;
        value = value * 10 + digit;
    }
    out = value;
    return NumberStatus::ok;
}

Result<unsigned> parse_cpu_number(std::string_view list, std::string_view item, std::string_view number) {
    std::uint64_t value = 0;
    switch (parse_u64(number, value)) {
    case NumberStatus::empty:
        return fail(cat("invalid CPU list '", list, "': '", item, "' is missing a number"));
    case NumberStatus::not_a_number:
        return fail(cat("invalid CPU list '", list, "': '", number,
                        "' is not a CPU number (expected a list like 2-3,5)"));
    case NumberStatus::overflow:
        break;
    case NumberStatus::ok:
        if (value <= max_cpu_number)
            return static_cast<unsigned>(value);
        break;
    }
    return fail(cat("invalid CPU list '", list, "': CPU number '", number, "' is too large"));
}

} // namespace

Result<std::vector<unsigned>> parse_cpu_list(std::string_view text) {
    if (text.empty())
        return fail("invalid CPU list '': the list is empty (give --cpus a list like 2-3,5)");
    std::vector<unsigned> cpus;
    std::size_t pos = 0;
    while (true) {
        std::size_t comma = text.find(',', pos);
        std::string_view item = text.substr(pos, comma == std::string_view::npos ? comma : comma - pos);
        if (item.empty())
            return fail(cat("invalid CPU list '", text, "': empty item between commas"));
        std::size_t dash = item.find('-');
        if (dash == std::string_view::npos) {
            auto cpu = parse_cpu_number(text, item, item);
            if (!cpu)
                return cpu.error();
            cpus.push_back(*cpu);
        } else {
            std::string_view first_text = item.substr(0, dash);
            std::string_view last_text = item.substr(dash + 1);
            if (first_text.empty() || last_text.empty())
                return fail(cat("invalid CPU list '", text, "': range '", item,
                                "' needs a first and a last CPU (like 2-3)"));
            auto first = parse_cpu_number(text, item, first_text);
            if (!first)
                return first.error();
            auto last = parse_cpu_number(text, item, last_text);
            if (!last)
                return last.error();
            if (*first > *last)
                return fail(cat("invalid CPU list '", text, "': range '", item, "' is reversed (write ",
                                *last, "-", *first, ")"));
            for (unsigned cpu = *first; cpu <= *last; ++cpu)
                cpus.push_back(cpu);
        }
        if (comma == std::string_view::npos)
            break;
        pos = comma + 1;
    }
    std::sort(cpus.begin(), cpus.end());
    cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
    return cpus;
}

std::string format_cpu_list(const std::vector<unsigned>& input) {
    std::vector<unsigned> cpus = input;
    std::sort(cpus.begin(), cpus.end());
    cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
    std::string out;
    for (std::size_t i = 0; i < cpus.size();) {
        std::size_t j = i;
        while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1)
            ++j;
        if (!out.empty())
            out += ',';
        out += std::to_string(cpus[i]);
        if (j > i)
            out += cat('-', cpus[j]);
        i = j + 1;
    }
    return out;
}

Result<std::uint64_t> parse_size(std::string_view text) {
    const std::string expected =
        "expected bytes or a number with K, M, G or T (binary units), like 256M or 2GiB";
    std::size_t digits = 0;
    while (digits < text.size() && is_digit(text[digits]))
        ++digits;
    if (digits == 0)
        return fail(cat("invalid size '", text, "': ", expected));

    std::string suffix(text.substr(digits));
    unsigned shift = 0;
    if (!suffix.empty()) {
        static constexpr std::array<std::pair<char, unsigned>, 4> units = {
            {{'K', 10}, {'M', 20}, {'G', 30}, {'T', 40}}};
        char letter = static_cast<char>(std::toupper(static_cast<unsigned char>(suffix[0])));
        std::string rest = suffix.substr(1);
        bool known = false;
        for (auto [unit, unit_shift] : units) {
            if (letter == unit) {
                known = true;
                shift = unit_shift;
            }
        }
        if (!known || !(rest.empty() || rest == "iB" || rest == "i" || rest == "B"))
            return fail(cat("invalid size '", text, "': unknown unit '", suffix, "'; ", expected));
    }

    std::uint64_t value = 0;
    if (parse_u64(text.substr(0, digits), value) == NumberStatus::overflow ||
        (shift != 0 && value > (std::numeric_limits<std::uint64_t>::max() >> shift)))
        return fail(cat("invalid size '", text, "': too large"));
    value <<= shift;
    if (value == 0)
        return fail(cat("invalid size '", text, "': the size must be larger than 0"));
    return value;
}

Result<unsigned> parse_unsigned(std::string_view text, std::string_view what) {
    std::uint64_t value = 0;
    switch (parse_u64(text, value)) {
    case NumberStatus::ok:
        if (value <= std::numeric_limits<unsigned>::max())
            return static_cast<unsigned>(value);
        return fail(cat("invalid ", what, " '", text, "': too large"));
    case NumberStatus::overflow:
        return fail(cat("invalid ", what, " '", text, "': too large"));
    case NumberStatus::empty:
    case NumberStatus::not_a_number:
        break;
    }
    return fail(cat("invalid ", what, " '", text, "': expected a non-negative whole number"));
}

} // namespace cokernel

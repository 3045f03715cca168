#include "parse.hpp"

#include <catch2/catch.hpp>

using namespace cokernel;

namespace {

std::vector<unsigned> cpus(const char* text) {
    auto result = parse_cpu_list(text);
    INFO(text << ": " << (result ? std::string("ok") : result.error().message));
    REQUIRE(result.ok());
    return *result;
}

std::string cpu_list_error(const char* text) {
    auto result = parse_cpu_list(text);
    REQUIRE_FALSE(result.ok());
    return result.error().message;
}

std::uint64_t size(const char* text) {
    auto result = parse_size(text);
    INFO(text << ": " << (result ? std::string("ok") : result.error().message));
    REQUIRE(result.ok());
    return *result;
}

std::string size_error(const char* text) {
    auto result = parse_size(text);
    REQUIRE_FALSE(result.ok());
    return result.error().message;
}

} // namespace

TEST_CASE("CPU lists: single CPUs, ranges and mixtures", "[parse]") {
    CHECK(cpus("5") == std::vector<unsigned>{5});
    CHECK(cpus("2-3,5") == std::vector<unsigned>{2, 3, 5});
    CHECK(cpus("7,1-2") == std::vector<unsigned>{1, 2, 7});
    CHECK(cpus("3-3") == std::vector<unsigned>{3});
    CHECK(cpus("1,1,1-2") == std::vector<unsigned>{1, 2});
    CHECK(cpus("0") == std::vector<unsigned>{0}); // the planner, not the parser, refuses CPU 0
}

TEST_CASE("CPU lists: malformed input is refused with a message quoting it", "[parse]") {
    using Catch::Matchers::Contains;
    CHECK_THAT(cpu_list_error(""), Contains("empty"));
    CHECK_THAT(cpu_list_error("2-"), Contains("'2-'") && Contains("first and a last"));
    CHECK_THAT(cpu_list_error("-2"), Contains("first and a last"));
    CHECK_THAT(cpu_list_error("a"), Contains("'a' is not a CPU number"));
    CHECK_THAT(cpu_list_error("3-1"), Contains("reversed") && Contains("1-3"));
    CHECK_THAT(cpu_list_error("1,,2"), Contains("empty item"));
    CHECK_THAT(cpu_list_error("1,"), Contains("empty item"));
    CHECK_THAT(cpu_list_error(" 1"), Contains("not a CPU number"));
    CHECK_THAT(cpu_list_error("1-2-3"), Contains("not a CPU number"));
    CHECK_THAT(cpu_list_error("99999999999999999999999"), Contains("too large"));
    CHECK_THAT(cpu_list_error("0-4000000000"), Contains("too large"));
}

TEST_CASE("CPU lists are formatted with ranges", "[parse]") {
    CHECK(format_cpu_list({}) == "");
    CHECK(format_cpu_list({4}) == "4");
    CHECK(format_cpu_list({1, 2, 3, 5, 7, 8}) == "1-3,5,7-8");
    CHECK(format_cpu_list({3, 1, 2}) == "1-3");
    for (const char* text : {"1-3,5,7-8", "0", "2,4,6", "10-20"})
        CHECK(format_cpu_list(cpus(text)) == text);
}

TEST_CASE("sizes: bytes and binary units", "[parse]") {
    CHECK(size("134217728") == 134217728u);
    CHECK(size("256M") == 256ull << 20);
    CHECK(size("256m") == 256ull << 20);
    CHECK(size("1G") == 1ull << 30);
    CHECK(size("2GiB") == 2ull << 30);
    CHECK(size("512MiB") == 512ull << 20);
    CHECK(size("4K") == 4096u);
    CHECK(size("1T") == 1ull << 40);
    CHECK(size("16777215T") == 16777215ull << 40); // largest that fits
}

TEST_CASE("sizes: malformed, zero, negative and overflowing sizes are refused", "[parse]") {
    using Catch::Matchers::Contains;
    CHECK_THAT(size_error("12Q"), Contains("unknown unit 'Q'"));
    CHECK_THAT(size_error("0"), Contains("larger than 0"));
    CHECK_THAT(size_error("0M"), Contains("larger than 0"));
    CHECK_THAT(size_error("-1M"), Contains("invalid size '-1M'"));
    CHECK_THAT(size_error(""), Contains("invalid size"));
    CHECK_THAT(size_error("M"), Contains("invalid size"));
    CHECK_THAT(size_error("1.5G"), Contains("unknown unit"));
    CHECK_THAT(size_error("1GX"), Contains("unknown unit"));
    CHECK_THAT(size_error("16777216T"), Contains("too large"));
    CHECK_THAT(size_error("18446744073709551616"), Contains("too large"));
    CHECK_THAT(size_error("99999999999999999999999G"), Contains("too large"));
}

TEST_CASE("plain numbers", "[parse]") {
    CHECK(*parse_unsigned("0", "--numa") == 0u);
    CHECK(*parse_unsigned("42", "--ncpus") == 42u);
    CHECK_THAT(parse_unsigned("x", "--ncpus").error().message,
               Catch::Matchers::Contains("invalid --ncpus 'x'"));
    CHECK_FALSE(parse_unsigned("-1", "--ncpus").ok());
    CHECK_FALSE(parse_unsigned("", "--ncpus").ok());
    CHECK_FALSE(parse_unsigned("4294967296", "--ncpus").ok());
}

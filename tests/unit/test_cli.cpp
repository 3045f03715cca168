// Option parsing and exit codes that do not need root or the module.
#include "cli.hpp"

#include <catch2/catch.hpp>
#include <iostream>
#include <sstream>

using namespace cokernel;
using Catch::Matchers::Contains;

TEST_CASE("parse_args: values, flags and positionals", "[cli]") {
    std::vector<OptionSpec> specs = {{"--cpus", true}, {"--no-boot", false}};
    auto args = parse_args({"--cpus", "2-3", "--no-boot", "7"}, specs);
    REQUIRE(args.ok());
    CHECK(args->options.at("--cpus") == "2-3");
    CHECK(args->has("--no-boot"));
    CHECK(args->positional == std::vector<std::string>{"7"});

    auto inline_value = parse_args({"--cpus=1,3"}, specs);
    REQUIRE(inline_value.ok());
    CHECK(inline_value->options.at("--cpus") == "1,3");

    CHECK(parse_args({"-h"}, specs)->help);
    CHECK(parse_args({"--", "--cpus"}, specs)->positional == std::vector<std::string>{"--cpus"});
}

TEST_CASE("parse_args: usage errors", "[cli]") {
    std::vector<OptionSpec> specs = {{"--cpus", true}, {"--no-boot", false}};
    CHECK_THAT(parse_args({"--bogus"}, specs).error().message, Contains("unknown option '--bogus'"));
    CHECK_THAT(parse_args({"--cpus"}, specs).error().message, Contains("needs a value"));
    CHECK_THAT(parse_args({"--cpus", "1", "--cpus", "2"}, specs).error().message, Contains("twice"));
    CHECK_THAT(parse_args({"--no-boot=yes"}, specs).error().message, Contains("takes no value"));
}

TEST_CASE("exit codes: help and version 0, usage 2, bad values 1", "[cli]") {
    CHECK(run_cli({"--help"}) == exit_ok);
    CHECK(run_cli({"--version"}) == exit_ok);
    CHECK(run_cli({"create", "--help"}) == exit_ok);
    CHECK(run_cli({}) == exit_usage);
    CHECK(run_cli({"frobnicate"}) == exit_usage);
    CHECK(run_cli({"--frobnicate"}) == exit_usage);
    CHECK(run_cli({"create", "--cpu", "1"}) == exit_usage);
    CHECK(run_cli({"list", "extra"}) == exit_usage);
    CHECK(run_cli({"destroy", "1", "2"}) == exit_usage);
    // Value errors are found before anything is touched (and before the root check).
    CHECK(run_cli({"create", "--cpus", "2-", "--mem", "256M", "--no-boot"}) == exit_error);
    CHECK(run_cli({"create", "--cpus", "1", "--mem", "12Q", "--no-boot"}) == exit_error);
    CHECK(run_cli({"create", "--cpus", "1", "--ncpus", "1", "--mem", "1G", "--no-boot"}) == exit_error);
    CHECK(run_cli({"create", "--mem", "1G", "--no-boot"}) == exit_error);
    CHECK(run_cli({"create", "--ncpus", "1", "--mem", "1G", "--no-boot", "--image", "x"}) == exit_error);
    CHECK(run_cli({"destroy"}) == exit_error);
    CHECK(run_cli({"destroy", "x"}) == exit_error);
}

namespace {

std::string help_text(const std::vector<std::string>& argv) {
    std::ostringstream captured;
    auto* old = std::cout.rdbuf(captured.rdbuf());
    run_cli(argv);
    std::cout.rdbuf(old);
    return captured.str();
}

} // namespace

// Issue 15: the main help listed the test-only `fault` command and hid run's --ncpus/--mem.
TEST_CASE("cokernel --help lists what users run, not test hooks", "[cli]") {
    const std::string help = help_text({"--help"});
    CHECK_THAT(help, Contains("run [--enclave ID | --ncpus N --mem SIZE]"));
    CHECK_THAT(help, Contains("125"));
    CHECK_THAT(help, !Contains("fault ID"));
    CHECK_THAT(help_text({"run", "--help"}), Contains("Exit status:"));
}

TEST_CASE("cokernel run: --enclave with --ncpus or --mem is a usage error", "[cli]") {
    CHECK(run_cli({"run", "--enclave", "0", "--ncpus", "2", "/bin/true"}) == exit_usage);
    CHECK(run_cli({"run", "--mem", "512M", "--enclave", "0", "/bin/true"}) == exit_usage);
}

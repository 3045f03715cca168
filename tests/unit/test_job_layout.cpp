// The job space of an enclave (cokernel_job_space, cokernel_job_image_limit in job.h) and the launcher's
// check that an executable fits it (check_job_fits): what `cokernel run --help` and docs/run.md promise.
#include "job_proxy.hpp"
#include "test_elf_support.hpp"

#include <catch2/catch.hpp>
#include <cokernel/job.h>

namespace {

constexpr uint64_t MiB = 1ULL << 20;

} // namespace

TEST_CASE("job space: one range less the reserve; the job gets --mem less 48 MiB", "[job_layout]") {
    const cokernel_mem_range one{0x140000000ULL, 2048 * MiB};
    cokernel_job_piece p[1]{};
    const uint64_t space = cokernel_job_space(&one, 1, p);
    CHECK(space == 2016 * MiB);
    CHECK(p[0].phys == one.start + 32 * MiB);
    CHECK(p[0].off == 0);
    CHECK(p[0].size == 2016 * MiB);
    CHECK(cokernel_job_memory(space) == 2000 * MiB);
    CHECK(cokernel_job_image_limit(space) == 1990 * MiB);
    const cokernel_mem_range small{0x140000000ULL, 256 * MiB};
    CHECK(cokernel_job_memory(cokernel_job_space(&small, 1, nullptr)) == 208 * MiB);
}

TEST_CASE("job space: several ranges concatenate in order", "[job_layout]") {
    const cokernel_mem_range r[3] = {
        {0x140000000ULL, 256 * MiB}, {0x180000000ULL, 128 * MiB}, {0x200000000ULL, 512 * MiB}};
    cokernel_job_piece p[3]{};
    CHECK(cokernel_job_space(r, 3, p) == (896 - 32) * MiB);
    CHECK(p[0].phys == r[0].start + 32 * MiB);
    CHECK(p[0].size == 224 * MiB);
    CHECK(p[1].phys == r[1].start);
    CHECK(p[1].off == 224 * MiB);
    CHECK(p[2].phys == r[2].start);
    CHECK(p[2].off == 352 * MiB);
    CHECK(p[2].size == 512 * MiB);
}

TEST_CASE("job space: no room for a job", "[job_layout]") {
    const cokernel_mem_range reserve_only{0x140000000ULL, 32 * MiB};
    CHECK(cokernel_job_space(&reserve_only, 1, nullptr) == 0);
    const cokernel_mem_range too_small{0x140000000ULL, 32 * MiB + 16 * MiB};
    CHECK(cokernel_job_space(&too_small, 1, nullptr) == 0); // less than twice the control area
    const cokernel_mem_range tiny_last[2] = {{0x140000000ULL, 256 * MiB}, {0x180000000ULL, 8 * MiB}};
    CHECK(cokernel_job_space(tiny_last, 2, nullptr) == 0); // the control area must fit the last range
    CHECK(cokernel_job_space(tiny_last, 0, nullptr) == 0);
}

TEST_CASE("check_job_fits: the executable may span all but the stack and its gap", "[job_layout]") {
    // One writable segment at 0x400000 of memsz bytes (a .bss).
    auto image = [](uint64_t memsz) {
        const auto f =
            elftest::make_elf(ET_EXEC, 0x401000,
                              {elftest::phdr(PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x2000, 0x2000),
                               elftest::phdr(PT_LOAD, PF_R | PF_W, 0x2000, 0x402000, 0x100, memsz)});
        return cokernel::Program{{}, std::vector<char>(f.begin(), f.end()), {}, {}, {}};
    };
    CHECK(cokernel::check_job_fits(image(100 * MiB), 256 * MiB).empty()); // the old limit was 56 MiB
    CHECK(cokernel::check_job_fits(image(190 * MiB), 256 * MiB).empty());
    CHECK(cokernel::check_job_fits(image(300 * MiB), 256 * MiB).find("ask for more --mem") !=
          std::string::npos);
    CHECK(cokernel::check_job_fits(image(300 * MiB), 512 * MiB).empty());
    CHECK(cokernel::check_job_fits(image(1900 * MiB), 2048 * MiB)
              .empty()); // no 1 GiB cap, not "half of memory"
}

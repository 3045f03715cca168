// The ELF load plan (cokernel/elf/load_plan.hpp, program_plan.hpp) on real executables built by the test
// build (tests/data/elf/*.c), checked field by field against an independent reading through glibc's <elf.h>.
#include "load_segments.hpp"
#include "program_plan.hpp"
#include "test_elf_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>

using namespace elftest;
using ck::elf::Error;

namespace {

uint32_t prot_of(uint32_t pf) {
    return ((pf & PF_R) != 0 ? ck::elf::prot::READ : 0) | ((pf & PF_W) != 0 ? ck::elf::prot::WRITE : 0) |
           ((pf & PF_X) != 0 ? ck::elf::prot::EXEC : 0);
}

// Everything the plan says, recomputed from the file with <elf.h>.
void check_plan_matches_file(const Bytes& f, const ck::elf::LoadPlan& p) {
    const Elf64_Ehdr h = ehdr_of(f);
    const auto ph = phdrs_of(f);
    std::vector<Elf64_Phdr> loads;
    for (const auto& x : ph) {
        if (x.p_type == PT_LOAD && x.p_memsz > 0) {
            loads.push_back(x);
        }
    }
    REQUIRE(p.nsegments == loads.size());
    REQUIRE(p.nsegments >= 1);
    CHECK(p.pie == (h.e_type == ET_DYN));
    if (!p.pie) {
        CHECK(p.bias == 0);
    }
    CHECK(p.entry == h.e_entry + p.bias);
    CHECK(p.phnum == h.e_phnum);
    CHECK(p.phentsize == sizeof(Elf64_Phdr));
    uint64_t end = 0;
    for (size_t i = 0; i < loads.size(); ++i) {
        const auto& s = p.segments[i];
        CHECK(s.vaddr == loads[i].p_vaddr + p.bias);
        CHECK(s.memsz == loads[i].p_memsz);
        CHECK(s.filesz == loads[i].p_filesz);
        CHECK(s.offset == loads[i].p_offset);
        CHECK(s.prot == prot_of(loads[i].p_flags));
        CHECK(s.vaddr >= ck::elf::USER_MIN);
        CHECK(s.vaddr + s.memsz <= ck::elf::USER_END);
        end = std::max(end, s.vaddr + s.memsz);
    }
    CHECK(p.brk_start % 4096 == 0);
    CHECK(p.brk_start >= end);
    CHECK(p.brk_start - end < 4096);
    CHECK(p.image_start == (p.segments[0].vaddr & ~uint64_t{4095}));
    CHECK(p.memory_needed > 0);
    CHECK(p.memory_needed <= p.image_end - p.image_start);
    CHECK(p.memory_needed % 4096 == 0);
    // AT_PHDR: the address where the program-header table is in memory.
    const int pt_phdr = find_phdr(ph, PT_PHDR);
    if (pt_phdr >= 0) {
        CHECK(p.phdr_vaddr == ph[static_cast<size_t>(pt_phdr)].p_vaddr + p.bias);
    } else {
        CHECK(p.phdr_vaddr == loads[0].p_vaddr + p.bias + (h.e_phoff - loads[0].p_offset));
    }
    const int tls = find_phdr(ph, PT_TLS);
    CHECK(p.tls.present == (tls >= 0));
    if (tls >= 0) {
        const auto& t = ph[static_cast<size_t>(tls)];
        CHECK(p.tls.vaddr == t.p_vaddr + p.bias);
        CHECK(p.tls.filesz == t.p_filesz);
        CHECK(p.tls.memsz == t.p_memsz);
        CHECK(p.tls.align == t.p_align);
    }
    const int stack = find_phdr(ph, PT_GNU_STACK);
    CHECK(p.stack_flags_given == (stack >= 0));
    CHECK(p.stack_prot == (ck::elf::prot::READ | ck::elf::prot::WRITE));
}

} // namespace

TEST_CASE("a static executable loads at its link addresses", "[elf]") {
    const Bytes f = read_file(ELF_HELLO_STATIC);
    REQUIRE(ehdr_of(f).e_type == ET_EXEC);
    ck::elf::LoadPlan p{};
    const auto st = plan(f, p);
    INFO(st.message);
    REQUIRE(st.ok());
    check_plan_matches_file(f, p);
    CHECK(p.tls.present); // hello.c uses __thread
    CHECK(p.segments[0].vaddr == 0x400000);
}

TEST_CASE("a static-PIE executable is placed at the load bias", "[elf]") {
    const Bytes f = read_file(ELF_HELLO_STATIC_PIE);
    REQUIRE(ehdr_of(f).e_type == ET_DYN);
    REQUIRE(find_phdr(phdrs_of(f), PT_INTERP) < 0);
    ck::elf::LoadPlan p{};
    REQUIRE(plan(f, p).ok());
    check_plan_matches_file(f, p);
    CHECK(p.pie);
    CHECK(p.segments[0].vaddr == ck::elf::DEFAULT_PIE_BASE); // linked at 0
    CHECK(p.bias == ck::elf::DEFAULT_PIE_BASE);
    CHECK(p.tls.present);

    SECTION("at another base, rounded up to a page") {
        REQUIRE(plan(f, p, 1ULL << 30, 0x100000000123).ok());
        check_plan_matches_file(f, p);
        CHECK(p.bias == 0x100000001000);
    }
    SECTION("not with a base in the kernel half") {
        const auto st = plan(f, p, 1ULL << 30, 0xffff800000000000);
        CHECK(st.error == Error::corrupt);
        CHECK(std::strstr(st.message, "kernel half") != nullptr);
    }
}

TEST_CASE("libc-free executables load (program headers found without PT_PHDR)", "[elf]") {
    for (const char* path : {ELF_TINY_STATIC, ELF_TINY_STATIC_PIE}) {
        INFO(path);
        const Bytes f = read_file(path);
        REQUIRE(find_phdr(phdrs_of(f), PT_PHDR) < 0);
        ck::elf::LoadPlan p{};
        REQUIRE(plan(f, p).ok());
        check_plan_matches_file(f, p);
        CHECK(p.tls.present); // tiny.c's unused __thread variable
        CHECK(p.nsegments == 2);
    }
}

TEST_CASE("Debian's static busybox loads", "[elf]") {
    const Bytes f = read_file("/bin/busybox"); // package busybox-static (scripts/setup)
    ck::elf::LoadPlan p{};
    const auto st = plan(f, p);
    INFO(st.message);
    REQUIRE(st.ok());
    check_plan_matches_file(f, p);
}

TEST_CASE("a dynamic executable's plan names its interpreter", "[elf]") {
    for (const char* path : {ELF_HELLO_DYNAMIC, ELF_HELLO_DYNAMIC_NOPIE}) {
        INFO(path);
        const Bytes f = read_file(path);
        const int i = find_phdr(phdrs_of(f), PT_INTERP);
        REQUIRE(i >= 0);
        const Elf64_Phdr interp = phdrs_of(f)[static_cast<size_t>(i)];
        ck::elf::LoadPlan p{};
        REQUIRE(plan(f, p).ok());
        check_plan_matches_file(f, p);
        CHECK(p.interp_offset == interp.p_offset);
        CHECK(p.interp_size == interp.p_filesz);
        CHECK(std::string(reinterpret_cast<const char*>(f.data() + p.interp_offset)) ==
              "/lib64/ld-linux-x86-64.so.2"); // Debian's x86-64 dynamic linker, what gcc links against
    }
    for (const char* path : {ELF_HELLO_STATIC, ELF_HELLO_STATIC_PIE}) {
        ck::elf::LoadPlan p{};
        REQUIRE(plan(read_file(path), p).ok());
        CHECK(p.interp_size == 0);
    }
}

namespace {

ck::elf::Status program(const Bytes& exe, const Bytes* interp, ck::elf::ProgramPlan& out,
                        uint64_t limit = 1ULL << 30) {
    ck::elf::LoadOptions opt{};
    opt.memory_limit = limit;
    opt.pie_base = 0x400000;
    return ck::elf::plan_program(exe.data(), exe.size(), interp != nullptr ? interp->data() : nullptr,
                                 interp != nullptr ? interp->size() : 0, opt, out);
}

} // namespace

TEST_CASE("a dynamic executable is placed with its interpreter above it", "[elf]") {
    const Bytes ld = read_file("/lib64/ld-linux-x86-64.so.2"); // libc6 (every Debian machine)
    const Elf64_Ehdr ld_h = ehdr_of(ld);
    REQUIRE(ld_h.e_type == ET_DYN);
    for (const char* path : {ELF_HELLO_DYNAMIC, ELF_HELLO_DYNAMIC_NOPIE}) {
        INFO(path);
        const Bytes f = read_file(path);
        ck::elf::ProgramPlan p{};
        const auto st = program(f, &ld, p);
        INFO(st.message);
        REQUIRE(st.ok());
        CHECK(p.dynamic);
        check_plan_matches_file(f, p.exe);
        check_plan_matches_file(ld, p.interp);
        // The interpreter at the first 2 MiB boundary above the executable; the heap above both.
        CHECK(p.interp.image_start == ((p.exe.image_end + (2 << 20) - 1) & ~uint64_t{(2 << 20) - 1}));
        CHECK(p.base == p.interp.image_start); // ld.so's first segment is at p_vaddr 0
        CHECK(p.entry == p.base + ld_h.e_entry);
        CHECK(p.image_start == p.exe.image_start);
        CHECK(p.image_end == p.interp.image_end);
        CHECK(p.memory_needed == p.exe.memory_needed + p.interp.memory_needed);
        // Without the interpreter's bytes: refused, and the message says why.
        ck::elf::ProgramPlan q{};
        const auto missing = program(f, nullptr, q);
        CHECK(missing.error == Error::dynamic);
        CHECK(std::string(missing.message).find("interpreter") != std::string::npos);
        CHECK_FALSE(q.interp_failed);
        // Both images count against the memory limit.
        ck::elf::ProgramPlan r{};
        const auto small = program(f, &ld, r, p.exe.memory_needed + p.interp.memory_needed - 4096);
        CHECK(small.error == Error::too_large);
        CHECK(r.interp_failed);
    }
}

TEST_CASE("a static executable ignores an interpreter given with it", "[elf]") {
    const Bytes ld = read_file("/lib64/ld-linux-x86-64.so.2");
    const Bytes f = read_file(ELF_HELLO_STATIC);
    ck::elf::ProgramPlan p{};
    REQUIRE(program(f, &ld, p).ok());
    CHECK_FALSE(p.dynamic);
    CHECK(p.base == 0);
    CHECK(p.entry == p.exe.entry);
    CHECK(p.image_end == p.exe.image_end);
}

TEST_CASE("an interpreter that is no dynamic linker is refused", "[elf]") {
    const Bytes f = read_file(ELF_HELLO_DYNAMIC);
    struct Case {
        const char* interp;
        Error error;
        const char* words;
    };
    for (const Case& c : {Case{ELF_HELLO_STATIC, Error::corrupt, "not a shared object"},
                          Case{ELF_HELLO_DYNAMIC, Error::corrupt, "names an interpreter"},
                          Case{COKERNEL_TEST_DATA_DIR "/elf/hello.c", Error::not_elf, "not an ELF file"}}) {
        INFO(c.interp);
        const Bytes interp = read_file(c.interp);
        ck::elf::ProgramPlan p{};
        const auto st = program(f, &interp, p);
        CHECK(st.error == c.error);
        CHECK(std::string(st.message).find(c.words) != std::string::npos);
        CHECK(p.interp_failed);
        CHECK_FALSE(p.dynamic);
    }
}

TEST_CASE("files that are not ELF are refused", "[elf]") {
    ck::elf::LoadPlan p{};
    const Bytes source = read_file(std::string(COKERNEL_TEST_DATA_DIR) + "/elf/hello.c");
    CHECK(plan(source, p).error == Error::not_elf);
    CHECK(plan(Bytes{}, p).error == Error::not_elf);
    CHECK(plan(Bytes{0x7f, 'E', 'L'}, p).error == Error::not_elf);
    ck::elf::LoadOptions opt;
    opt.memory_limit = 1ULL << 30;
    CHECK(ck::elf::plan_load(nullptr, 100, opt, p).error == Error::not_elf);
}

TEST_CASE("an executable larger than the memory available is refused", "[elf]") {
    const Bytes f = read_file(ELF_HELLO_STATIC);
    ck::elf::LoadPlan p{};
    REQUIRE(plan(f, p).ok());
    const uint64_t need = p.memory_needed;
    CHECK(plan(f, p, need).ok());
    const auto st = plan(f, p, need - 4096);
    CHECK(st.error == Error::too_large);
    CHECK(std::string(st.message) == "executable larger than the memory available");
}

TEST_CASE("segments are copied into job memory with zeroed bss", "[elf]") {
    for (const char* path : {ELF_HELLO_STATIC, ELF_HELLO_STATIC_PIE, "/bin/busybox"}) {
        INFO(path);
        const Bytes f = read_file(path);
        ck::elf::LoadPlan p{};
        REQUIRE(plan(f, p).ok());
        FakeUserMemory mem;
        mem.add_region(p.image_start, p.image_end - p.image_start);
        REQUIRE(ck::elf::load_segments(mem, p, f.data(), f.size()).ok());
        for (uint32_t i = 0; i < p.nsegments; ++i) {
            const auto& s = p.segments[i];
            const uint8_t* m = mem.at(s.vaddr, s.memsz);
            REQUIRE(m != nullptr);
            CHECK(std::equal(m, m + s.filesz, f.data() + s.offset));
            CHECK(std::all_of(m + s.filesz, m + s.memsz, [](uint8_t b) { return b == 0; }));
        }
        // The program-header table is where AT_PHDR says.
        const Elf64_Ehdr h = ehdr_of(f);
        const uint8_t* table = mem.at(p.phdr_vaddr, uint64_t{h.e_phnum} * h.e_phentsize);
        REQUIRE(table != nullptr);
        CHECK(std::equal(table, table + h.e_phnum * h.e_phentsize, f.data() + h.e_phoff));

        FakeUserMemory small;
        small.add_region(p.image_start, 4096);
        CHECK(ck::elf::load_segments(small, p, f.data(), f.size()).error == Error::fault);
    }
}

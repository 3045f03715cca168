// The ELF load plan refuses broken executables with the right error: corrupted copies of the real test
// executables, and synthetic files for what a real one cannot show (segment counts, alignment, sharing).
#include "test_elf_support.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <random>

using namespace elftest;
using ck::elf::Error;

namespace {

struct Outcome {
    Error error;
    std::string message;
};

Outcome outcome(const Bytes& f) {
    ck::elf::LoadPlan p{};
    const auto st = plan(f, p);
    return {st.error, st.message};
}

bool says(const Outcome& o, const char* words) {
    return o.message.find(words) != std::string::npos;
}

Elf64_Phdr& nth(std::vector<Elf64_Phdr>& v, uint32_t type, int n = 0) {
    const int i = find_phdr(v, type, n);
    REQUIRE(i >= 0);
    return v[static_cast<size_t>(i)];
}

template <class Edit>
Outcome with_phdrs(const Bytes& original, Edit edit) {
    Bytes f = original;
    auto ph = phdrs_of(f);
    edit(ph);
    set_phdrs(f, ph);
    return outcome(f);
}

template <class Edit>
Outcome with_ehdr(const Bytes& original, Edit edit) {
    Bytes f = original;
    Elf64_Ehdr h = ehdr_of(f);
    edit(h);
    set_ehdr(f, h);
    return outcome(f);
}

constexpr uint32_t RX = PF_R | PF_X;
constexpr uint32_t RW = PF_R | PF_W;

} // namespace

TEST_CASE("truncated files are refused as truncated", "[elf]") {
    const Bytes f = read_file(ELF_HELLO_STATIC);
    const Elf64_Ehdr h = ehdr_of(f);
    auto cut = [&](size_t n) { return outcome(Bytes(f.begin(), f.begin() + static_cast<long>(n))); };
    CHECK(cut(3).error == Error::not_elf);
    CHECK(cut(4).error == Error::truncated);
    CHECK(cut(63).error == Error::truncated);
    const Outcome phdrs = cut(h.e_phoff + h.e_phnum * sizeof(Elf64_Phdr) - 1);
    CHECK(phdrs.error == Error::truncated);
    CHECK(says(phdrs, "program headers"));
    const Outcome contents = cut(f.size() / 2);
    CHECK(contents.error == Error::truncated);
    CHECK(says(contents, "segment contents"));

    // Every length short of the last segment's end fails, and none crashes (the sanitizer build watches).
    const Bytes tiny = read_file(ELF_TINY_STATIC);
    uint64_t needed = 0;
    for (const auto& p : phdrs_of(tiny)) {
        needed = std::max<uint64_t>(needed, p.p_type == PT_LOAD ? p.p_offset + p.p_filesz : 0);
    }
    for (size_t n = 0; n < needed; ++n) {
        INFO(n);
        CHECK(outcome(Bytes(tiny.begin(), tiny.begin() + static_cast<long>(n))).error != Error::ok);
    }
    CHECK(outcome(Bytes(tiny.begin(), tiny.begin() + static_cast<long>(needed))).error == Error::ok);
}

TEST_CASE("ELF files for other machines are refused as not x86-64", "[elf]") {
    const Bytes f = read_file(ELF_HELLO_STATIC);
    Bytes c32 = f;
    c32[EI_CLASS] = ELFCLASS32;
    Bytes be = f;
    be[EI_DATA] = ELFDATA2MSB;
    const Outcome arm = with_ehdr(f, [](Elf64_Ehdr& h) { h.e_machine = EM_AARCH64; });
    const Outcome o32 = outcome(c32);
    const Outcome obe = outcome(be);
    for (const Outcome* o : {&arm, &o32, &obe}) {
        CHECK(o->error == Error::not_x86_64);
        CHECK(says(*o, "not an x86-64 executable"));
    }
    CHECK(o32.message != obe.message);
    CHECK(arm.message != o32.message);
}

TEST_CASE("ELF files that are not executables are refused", "[elf]") {
    const Bytes f = read_file(ELF_HELLO_STATIC);
    CHECK(with_ehdr(f, [](Elf64_Ehdr& h) { h.e_type = ET_REL; }).error == Error::not_executable);
    CHECK(with_ehdr(f, [](Elf64_Ehdr& h) { h.e_type = ET_CORE; }).error == Error::not_executable);
    // A shared library: ET_DYN, no interpreter, no entry point.
    const Bytes lib = make_elf(ET_DYN, 0, {phdr(PT_LOAD, RX, 0, 0, 0x1000, 0x1000)});
    const Outcome o = outcome(lib);
    CHECK(o.error == Error::not_executable);
    CHECK(says(o, "shared library"));
}

TEST_CASE("a PT_INTERP that is not a path inside the file is refused", "[elf]") {
    const Bytes f = read_file(ELF_HELLO_DYNAMIC);
    auto interp = [](std::vector<Elf64_Phdr>& ph) -> Elf64_Phdr& { return nth(ph, PT_INTERP); };
    struct Case {
        const char* name;
        Outcome o;
        const char* words;
    };
    const Case cases[] = {
        {"empty", with_phdrs(f, [&](auto& ph) { interp(ph).p_filesz = 0; }), "not a path"},
        {"one byte", with_phdrs(f, [&](auto& ph) { interp(ph).p_filesz = 1; }), "not a path"},
        {"beyond the file", with_phdrs(f, [&](auto& ph) { interp(ph).p_offset = f.size() - 4; }),
         "not a path"},
        {"offset overflow", with_phdrs(f, [&](auto& ph) { interp(ph).p_offset = ~uint64_t{0}; }),
         "not a path"},
        {"above PATH_MAX", with_phdrs(f, [&](auto& ph) { interp(ph).p_filesz = 4097; }), "not a path"},
        {"not NUL-terminated", with_phdrs(f, [&](auto& ph) { interp(ph).p_filesz -= 1; }), "NUL-terminated"},
        {"a NUL inside", with_phdrs(f, [&](auto& ph) { interp(ph).p_filesz += 1; }), "NUL before its end"},
        {"two", with_phdrs(f, [&](auto& ph) { nth(ph, PT_GNU_STACK) = interp(ph); }),
         "more than one PT_INTERP"},
    };
    for (const Case& c : cases) {
        INFO(c.name << ": " << c.o.message);
        CHECK(c.o.error == Error::corrupt);
        CHECK(says(c.o, c.words));
    }
    // A PT_INTERP injected into a static executable, pointing at its first bytes ("\x7fELF" then binary).
    const Bytes s = read_file(ELF_HELLO_STATIC);
    const Outcome o = with_phdrs(s, [](auto& ph) {
        Elf64_Phdr& p = nth(ph, PT_GNU_STACK);
        p.p_type = PT_INTERP;
        p.p_offset = 0;
        p.p_filesz = 0;
    });
    CHECK(o.error == Error::corrupt);
}

TEST_CASE("inconsistent ELF and program headers are refused as corrupt", "[elf]") {
    const Bytes f = read_file(ELF_HELLO_STATIC);
    struct Case {
        const char* name;
        Outcome o;
        Error error;
        const char* words;
    };
    const Case cases[] = {
        {"version", with_ehdr(f, [](Elf64_Ehdr& h) { h.e_version = 0; }), Error::corrupt, "version"},
        {"phentsize", with_ehdr(f, [](Elf64_Ehdr& h) { h.e_phentsize = 32; }), Error::corrupt, "entry size"},
        {"ehsize", with_ehdr(f, [](Elf64_Ehdr& h) { h.e_ehsize = 10; }), Error::corrupt, "header size"},
        {"phnum 0", with_ehdr(f, [](Elf64_Ehdr& h) { h.e_phnum = 0; }), Error::corrupt, "count"},
        {"phnum 0xffff", with_ehdr(f, [](Elf64_Ehdr& h) { h.e_phnum = 0xffff; }), Error::corrupt, "count"},
        {"phoff huge", with_ehdr(f, [](Elf64_Ehdr& h) { h.e_phoff = ~uint64_t{0} - 8; }), Error::truncated,
         "program headers"},
        {"entry 0", with_ehdr(f, [](Elf64_Ehdr& h) { h.e_entry = 0; }), Error::corrupt, "entry point"},
        {"entry in data",
         with_ehdr(f,
                   [&](Elf64_Ehdr& h) {
                       auto ph = phdrs_of(f);
                       h.e_entry = nth(ph, PT_LOAD, 3).p_vaddr; // the RW segment
                   }),
         Error::corrupt, "entry point"},
        {"filesz > memsz",
         with_phdrs(f, [](auto& ph) { nth(ph, PT_LOAD, 1).p_filesz = nth(ph, PT_LOAD, 1).p_memsz + 1; }),
         Error::corrupt, "file size larger"},
        {"filesz beyond file",
         with_phdrs(f,
                    [&](auto& ph) {
                        auto& l = nth(ph, PT_LOAD, 3);
                        l.p_filesz = l.p_memsz = f.size();
                    }),
         Error::truncated, "segment contents"},
        {"offset overflow",
         with_phdrs(f, [](auto& ph) { nth(ph, PT_LOAD, 1).p_offset = ~uint64_t{0} - 4095; }), Error::corrupt,
         "overflows"},
        {"offset vs vaddr", with_phdrs(f, [](auto& ph) { nth(ph, PT_LOAD, 1).p_offset += 8; }),
         Error::corrupt, "modulo the page size"},
        {"align", with_phdrs(f, [](auto& ph) { nth(ph, PT_LOAD, 1).p_align = 0x3000; }), Error::corrupt,
         "power of two"},
        {"overlap",
         with_phdrs(f, [](auto& ph) { nth(ph, PT_LOAD, 1).p_vaddr = nth(ph, PT_LOAD, 0).p_vaddr; }),
         Error::corrupt, "overlap"},
        {"order", with_phdrs(f, [](auto& ph) { std::swap(nth(ph, PT_LOAD, 0), nth(ph, PT_LOAD, 1)); }),
         Error::corrupt, "order"},
        {"vaddr overflow",
         with_phdrs(f,
                    [](auto& ph) {
                        auto& l = nth(ph, PT_LOAD, 3);
                        l.p_vaddr = ~uint64_t{0} - 4095 + (l.p_offset & 4095);
                    }),
         Error::corrupt, "overflows"},
        {"kernel half",
         with_phdrs(f,
                    [](auto& ph) {
                        auto& l = nth(ph, PT_LOAD, 3);
                        l.p_vaddr = 0xffffffff80000000 + (l.p_offset & 4095);
                    }),
         Error::corrupt, "kernel half"},
        {"no PT_LOAD",
         with_phdrs(f,
                    [](auto& ph) {
                        for (auto& p : ph) {
                            p.p_type = p.p_type == PT_LOAD ? PT_NULL : p.p_type;
                        }
                    }),
         Error::corrupt, "no loadable segment"},
        {"two PT_TLS", with_phdrs(f, [](auto& ph) { nth(ph, PT_GNU_STACK) = nth(ph, PT_TLS); }),
         Error::corrupt, "more than one PT_TLS"},
        {"TLS outside", with_phdrs(f, [](auto& ph) { nth(ph, PT_TLS).p_vaddr = 0x10000000; }), Error::corrupt,
         "TLS initialization image"},
        {"TLS filesz > memsz",
         with_phdrs(f, [](auto& ph) { nth(ph, PT_TLS).p_filesz = nth(ph, PT_TLS).p_memsz + 1; }),
         Error::corrupt, "TLS file size"},
        {"TLS align", with_phdrs(f, [](auto& ph) { nth(ph, PT_TLS).p_align = 24; }), Error::corrupt,
         "TLS alignment"},
    };
    for (const Case& c : cases) {
        INFO(c.name << ": " << c.o.message);
        CHECK(c.o.error == c.error);
        CHECK(says(c.o, c.words));
    }
}

TEST_CASE("segments below 64 KiB or in the kernel half are refused", "[elf]") {
    const Bytes tiny = read_file(ELF_TINY_STATIC); // linked at 0x400000
    auto move_to = [&](uint64_t base) {
        Bytes f = tiny;
        auto ph = phdrs_of(f);
        const uint64_t delta = base - nth(ph, PT_LOAD).p_vaddr;
        for (auto& p : ph) {
            p.p_vaddr += p.p_type == PT_LOAD || p.p_type == PT_TLS ? delta : 0;
        }
        Elf64_Ehdr h = ehdr_of(f);
        h.e_entry += delta;
        set_phdrs(f, ph);
        set_ehdr(f, h);
        return outcome(f);
    };
    CHECK(move_to(0x10000).error == Error::ok);
    CHECK(says(move_to(0), "below 64 KiB"));
    CHECK(says(move_to(0xf000), "below 64 KiB"));
    CHECK(move_to(0x7ffffffe0000).error == Error::ok);
    CHECK(says(move_to(0x7ffffffff000), "kernel half"));
    CHECK(says(move_to(0xffffffff80000000), "kernel half"));
}

TEST_CASE("PT_PHDR must point at loaded program headers", "[elf]") {
    const Bytes f = read_file(ELF_HELLO_STATIC);
    if (find_phdr(phdrs_of(f), PT_PHDR) >= 0) {
        CHECK(says(with_phdrs(f, [](auto& ph) { nth(ph, PT_PHDR).p_vaddr = 0x10000000; }), "PT_PHDR"));
    }
    // Without PT_PHDR, the table must lie in a segment's file contents.
    const Bytes synthetic = make_elf(
        ET_EXEC, 0x401000, {phdr(PT_LOAD, RX, 0x1000, 0x401000, 0x1000, 0x1000)}); // offset 64 not loaded
    CHECK(says(outcome(synthetic), "program headers not inside"));
}

TEST_CASE("synthetic files: segment count, zero-size segments, shared pages, stack flags", "[elf]") {
    std::vector<Elf64_Phdr> ph{phdr(PT_LOAD, RX, 0, 0x400000, 0x1000, 0x1000)};
    for (uint64_t i = 1; i < 16; ++i) {
        ph.push_back(phdr(PT_LOAD, RW, 0x1000 * i, 0x400000 + 0x1000 * i, 0x100, 0x100));
    }
    CHECK(outcome(make_elf(ET_EXEC, 0x400100, ph)).error == Error::ok);
    ph.push_back(phdr(PT_LOAD, RW, 0x10000, 0x410000, 0x100, 0x100));
    CHECK(says(outcome(make_elf(ET_EXEC, 0x400100, ph, 0x20000)), "more than 16"));
    ph.back().p_memsz = ph.back().p_filesz = 0; // maps nothing: ignored
    CHECK(outcome(make_elf(ET_EXEC, 0x400100, ph)).error == Error::ok);

    // Two segments sharing a page (as older linkers emit): allowed, the page counted once.
    const Bytes shared = make_elf(ET_EXEC, 0x400100,
                                  {phdr(PT_LOAD, RX, 0, 0x400000, 0x1800, 0x1800),
                                   phdr(PT_LOAD, RW, 0x1800, 0x401800, 0x100, 0x3000),
                                   phdr(PT_GNU_STACK, RW | PF_X, 0, 0, 0, 0, 16)});
    ck::elf::LoadPlan p{};
    REQUIRE(plan(shared, p).ok());
    CHECK(p.memory_needed == 0x5000); // 0x400000 .. 0x404800 rounded up
    CHECK(p.brk_start == 0x405000);
    CHECK(p.stack_flags_given);
    CHECK(p.stack_prot == (ck::elf::prot::READ | ck::elf::prot::WRITE | ck::elf::prot::EXEC));

    // No PT_GNU_STACK: the stack is still not executable.
    REQUIRE(plan(make_elf(ET_EXEC, 0x400100, {phdr(PT_LOAD, RX, 0, 0x400000, 0x1000, 0x1000)}), p).ok());
    CHECK(!p.stack_flags_given);
    CHECK(p.stack_prot == (ck::elf::prot::READ | ck::elf::prot::WRITE));

    // A static-PIE asking for 2 MiB alignment gets a 2 MiB-aligned bias; above 1 GiB is refused.
    const Bytes pie = make_elf(ET_DYN, 0x100, {phdr(PT_LOAD, RX, 0, 0, 0x1000, 0x1000, 2 << 20)});
    REQUIRE(plan(pie, p).ok());
    CHECK(p.segments[0].vaddr % (2 << 20) == 0);
    CHECK(p.segments[0].vaddr >= ck::elf::DEFAULT_PIE_BASE);
    CHECK(p.entry == p.segments[0].vaddr + 0x100);
    CHECK(says(outcome(make_elf(ET_DYN, 0x100, {phdr(PT_LOAD, RX, 0, 0, 0x1000, 0x1000, 2ULL << 30)})),
               "above 1 GiB"));
}

TEST_CASE("random corruption never crashes and never yields an inconsistent plan", "[elf]") {
    // A short in-process fuzz (the real one is tests/fuzz); under ASan+UBSan any out-of-bounds read fails it.
    std::mt19937_64 rng(12345);
    int accepted = 0;
    for (const char* path : {ELF_TINY_STATIC, ELF_TINY_STATIC_PIE, ELF_HELLO_STATIC}) {
        const Bytes original = read_file(path);
        const size_t window = std::min<size_t>(original.size(), 4096); // headers live at the start
        for (int iter = 0; iter < 3000; ++iter) {
            Bytes f = original;
            const int flips = 1 + static_cast<int>(rng() % 4);
            for (int k = 0; k < flips; ++k) {
                f[rng() % window] = static_cast<uint8_t>(rng());
            }
            ck::elf::LoadPlan p{};
            if (!plan(f, p).ok()) {
                continue;
            }
            ++accepted;
            REQUIRE(p.nsegments >= 1);
            for (uint32_t i = 0; i < p.nsegments; ++i) {
                const auto& s = p.segments[i];
                REQUIRE(s.vaddr >= ck::elf::USER_MIN);
                REQUIRE(s.vaddr + s.memsz <= ck::elf::USER_END);
                REQUIRE(s.filesz <= s.memsz);
                REQUIRE(s.offset + s.filesz <= f.size());
                REQUIRE((i == 0 || p.segments[i - 1].vaddr + p.segments[i - 1].memsz <= s.vaddr));
            }
            REQUIRE(p.brk_start % 4096 == 0);
            REQUIRE(p.memory_needed <= (1ULL << 30));
        }
    }
    CHECK(accepted > 100); // the mutations must reach the success path too
}

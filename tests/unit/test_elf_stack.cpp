// The initial stack (cokernel/elf/initial_stack.hpp), built in a fake memory and parsed back the way a C
// library's _start reads it.
#include "initial_stack.hpp"
#include "test_elf_support.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace elftest;
using ck::elf::Error;
namespace auxv = ck::elf::auxv;

namespace {

constexpr uint64_t TOP = 0x7ffffffde000;
constexpr uint64_t SIZE = 1 << 20;
constexpr uint8_t RANDOM[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

struct Parsed {
    uint64_t argc;
    std::vector<std::string> argv, envp;
    std::vector<uint64_t> string_addrs;
    std::map<uint64_t, uint64_t> aux;
    std::vector<uint64_t> aux_order;
};

// Reads the stack from rsp as _start does.
Parsed parse(FakeUserMemory& mem, uint64_t rsp) {
    Parsed p;
    uint64_t a = rsp;
    p.argc = mem.word(a);
    a += 8;
    for (uint64_t i = 0; i < p.argc; ++i, a += 8) {
        p.string_addrs.push_back(mem.word(a));
        p.argv.push_back(mem.string(mem.word(a)));
    }
    REQUIRE(mem.word(a) == 0);
    for (a += 8; mem.word(a) != 0; a += 8) {
        p.string_addrs.push_back(mem.word(a));
        p.envp.push_back(mem.string(mem.word(a)));
    }
    for (a += 8;; a += 16) {
        const uint64_t key = mem.word(a);
        p.aux_order.push_back(key);
        if (key == auxv::END) {
            break;
        }
        REQUIRE(p.aux.count(key) == 0);
        p.aux[key] = mem.word(a + 8);
    }
    return p;
}

ck::elf::StackArgs args_of(const std::vector<const char*>& argv, const std::vector<const char*>& envp) {
    ck::elf::StackArgs a{};
    a.argv = argv.data();
    a.argc = argv.size();
    a.envp = envp.data();
    a.envc = envp.size();
    a.execfn = "/home/user/bin/hello";
    a.random = RANDOM;
    a.hwcap = 0x178bfbff;
    a.uid = 1000;
    a.euid = 1001;
    a.gid = 1002;
    a.egid = 1003;
    return a;
}

ck::elf::LoadPlan hello_plan() {
    ck::elf::LoadPlan p{};
    REQUIRE(plan(read_file(ELF_HELLO_STATIC), p).ok());
    return p;
}

} // namespace

TEST_CASE("the initial stack parses back to argc, argv, envp and the auxiliary vector", "[elf][stack]") {
    const ck::elf::LoadPlan lp = hello_plan();
    const std::vector<const char*> argv{"hello", "two words", "", "last"};
    const std::vector<const char*> envp{"HOME=/home/user", "PATH=/usr/bin:/bin", "EMPTY="};
    FakeUserMemory mem;
    mem.add_region(TOP - SIZE, SIZE);
    ck::elf::StackLayout out{};
    const auto st = ck::elf::build_initial_stack(mem, TOP - SIZE, TOP, lp, args_of(argv, envp), out);
    INFO(st.message);
    REQUIRE(st.ok());
    CHECK(out.rsp % 16 == 0);
    CHECK(mem.lowest_write >= out.rsp);
    CHECK(mem.word(TOP - 8) == 0); // end marker

    const Parsed p = parse(mem, out.rsp);
    CHECK(p.argc == 4);
    CHECK(p.argv == std::vector<std::string>(argv.begin(), argv.end()));
    CHECK(p.envp == std::vector<std::string>(envp.begin(), envp.end()));
    // Strings ascend in order: argv then envp, all between the pointer arrays and the top.
    for (size_t i = 0; i < p.string_addrs.size(); ++i) {
        CHECK(p.string_addrs[i] > out.random);
        CHECK(p.string_addrs[i] < TOP - 8);
        if (i > 0) {
            CHECK(p.string_addrs[i] > p.string_addrs[i - 1]);
        }
    }

    const std::map<uint64_t, uint64_t> expected{
        {auxv::PHDR, lp.phdr_vaddr},
        {auxv::PHENT, 56},
        {auxv::PHNUM, lp.phnum},
        {auxv::PAGESZ, 4096},
        {auxv::BASE, 0},
        {auxv::FLAGS, 0},
        {auxv::ENTRY, lp.entry},
        {auxv::UID, 1000},
        {auxv::EUID, 1001},
        {auxv::GID, 1002},
        {auxv::EGID, 1003},
        {auxv::HWCAP, 0x178bfbff},
        {auxv::CLKTCK, 100},
        {auxv::SECURE, 0},
        {auxv::RANDOM, out.random},
        {auxv::PLATFORM, out.platform},
        {auxv::EXECFN, out.execfn},
    };
    CHECK(p.aux == expected);
    CHECK(p.aux_order.size() == auxv::COUNT);
    CHECK(p.aux_order.back() == auxv::END);
    CHECK(lp.entry == ehdr_of(read_file(ELF_HELLO_STATIC)).e_entry);

    CHECK(out.random % 16 == 0);
    const uint8_t* r = mem.at(out.random, 16);
    REQUIRE(r != nullptr);
    CHECK(std::equal(r, r + 16, RANDOM));
    CHECK(mem.string(out.platform) == "x86_64");
    CHECK(mem.string(out.execfn) == "/home/user/bin/hello");
    CHECK(out.argv == out.rsp + 8);
    CHECK(out.envp == out.argv + 5 * 8);
    CHECK(out.auxv == out.envp + 4 * 8);
}

TEST_CASE("rsp is 16-byte aligned for every count and length of arguments", "[elf][stack]") {
    const ck::elf::LoadPlan lp = hello_plan();
    const std::vector<std::string> words{"a", "bb", "ccc", "dddd", "eeeee", "ffffff", "ggggggg", "hhhhhhhhh"};
    for (size_t argc = 0; argc < 6; ++argc) {
        for (size_t envc = 0; envc < 4; ++envc) {
            for (size_t shift = 0; shift < 3; ++shift) {
                std::vector<const char*> argv, envp;
                for (size_t i = 0; i < argc; ++i) {
                    argv.push_back(words[(i + shift) % words.size()].c_str());
                }
                for (size_t i = 0; i < envc; ++i) {
                    envp.push_back(words[(i + 2 * shift + 1) % words.size()].c_str());
                }
                FakeUserMemory mem;
                mem.add_region(TOP - SIZE, SIZE);
                ck::elf::StackLayout out{};
                REQUIRE(
                    ck::elf::build_initial_stack(mem, TOP - SIZE, TOP, lp, args_of(argv, envp), out).ok());
                INFO(argc << " args, " << envc << " env, shift " << shift);
                CHECK(out.rsp % 16 == 0);
                const Parsed p = parse(mem, out.rsp);
                CHECK(p.argc == argc);
                CHECK(p.argv.size() == argc);
                CHECK(p.envp.size() == envc);
            }
        }
    }
}

TEST_CASE("a stack too small is refused before anything is written", "[elf][stack]") {
    const ck::elf::LoadPlan lp = hello_plan();
    const std::string big(5000, 'x');
    const std::vector<const char*> argv{"hello", big.c_str()};
    const std::vector<const char*> envp{"A=1"};
    // The smallest room that works; every smaller one must fail cleanly, the fitting one write only inside.
    uint64_t fits = 0;
    for (uint64_t room = 4096; room <= 8192; room += 8) {
        FakeUserMemory mem;
        mem.add_region(TOP - SIZE, SIZE);
        ck::elf::StackLayout out{};
        const auto st = ck::elf::build_initial_stack(mem, TOP - room, TOP, lp, args_of(argv, envp), out);
        if (st.ok()) {
            fits = fits == 0 ? room : fits;
            CHECK(mem.lowest_write >= TOP - room);
            CHECK(parse(mem, out.rsp).argv[1] == big);
        } else {
            CHECK(fits == 0);
            CHECK(st.error == Error::stack_too_small);
            CHECK(mem.writes == 0);
        }
    }
    CHECK(fits > 5000);
    CHECK(fits < 6000);
}

TEST_CASE("initial stack: bad arguments and refused writes", "[elf][stack]") {
    const ck::elf::LoadPlan lp = hello_plan();
    const std::vector<const char*> argv{"hello"};
    const std::vector<const char*> envp{};
    FakeUserMemory mem;
    mem.add_region(TOP - SIZE, SIZE);
    ck::elf::StackLayout out{};
    CHECK(ck::elf::build_initial_stack(mem, TOP - SIZE, TOP - 8, lp, args_of(argv, envp), out).error ==
          Error::invalid_argument);
    auto no_random = args_of(argv, envp);
    no_random.random = nullptr;
    CHECK(ck::elf::build_initial_stack(mem, TOP - SIZE, TOP, lp, no_random, out).error ==
          Error::invalid_argument);
    CHECK(ck::elf::build_initial_stack(mem, TOP + 16, TOP, lp, args_of(argv, envp), out).error ==
          Error::invalid_argument);
    // The policy refuses the writes (say, the pages are not mapped): a fault, not a crash.
    FakeUserMemory unmapped;
    CHECK(ck::elf::build_initial_stack(unmapped, TOP - SIZE, TOP, lp, args_of(argv, envp), out).error ==
          Error::fault);
    // Many arguments: 10000 pointers and strings.
    std::vector<std::string> many(10000, "arg");
    std::vector<const char*> many_ptrs;
    for (const auto& s : many) {
        many_ptrs.push_back(s.c_str());
    }
    REQUIRE(ck::elf::build_initial_stack(mem, TOP - SIZE, TOP, lp, args_of(many_ptrs, envp), out).ok());
    CHECK(parse(mem, out.rsp).argc == 10000);
}

// End to end on the host: a forked child maps the load plan's segments at their addresses, copies them
// with load_segments, builds the initial stack with build_initial_stack and jumps to the entry point with
// the new rsp, exactly as the co-kernel will enter ring 3. Real static glibc and busybox must then run: this
// checks the plan, AT_PHDR (glibc finds PT_TLS through it), AT_RANDOM and the stack layout at once.
#include "initial_stack.hpp"
#include "load_segments.hpp"
#include "test_elf_support.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace elftest;

namespace {

// Far from the test binary, its libraries and ASan's shadow memory.
constexpr uint64_t PIE_BASE = 0x200000000000;
constexpr uint64_t STACK_BASE = 0x300000000000;
constexpr uint64_t STACK_SIZE = 1 << 20;

struct DirectMemory {
    bool write(uint64_t addr, const uint8_t* src, uint64_t len) {
        std::memcpy(reinterpret_cast<void*>(addr), src, len);
        return true;
    }
    bool fill(uint64_t addr, uint8_t byte, uint64_t len) {
        std::memset(reinterpret_cast<void*>(addr), byte, len);
        return true;
    }
};

int to_mmap_prot(uint32_t prot) {
    return ((prot & ck::elf::prot::READ) != 0 ? PROT_READ : 0) |
           ((prot & ck::elf::prot::WRITE) != 0 ? PROT_WRITE : 0) |
           ((prot & ck::elf::prot::EXEC) != 0 ? PROT_EXEC : 0);
}

void* map_fixed(uint64_t addr, uint64_t size, int prot) {
    void* want = reinterpret_cast<void*>(addr);
    void* got = mmap(want, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    return got == want ? got : nullptr;
}

[[noreturn]] void enter(uint64_t rsp, uint64_t entry) {
    // rdx = 0: no exit handler for the C library to register. rdx is clobbered so entry is not kept in it.
    asm volatile("mov %0, %%rsp\n\txor %%edx, %%edx\n\tjmp *%1" : : "r"(rsp), "r"(entry) : "rdx", "memory");
    __builtin_unreachable();
}

// In the child: load and enter; exit codes 100+ say which step failed.
[[noreturn]] void child(const char* path, const std::vector<const char*>& argv,
                        const std::vector<const char*>& envp) {
    const Bytes f = read_file(path);
    ck::elf::LoadPlan p{};
    ck::elf::LoadOptions opt;
    opt.memory_limit = 1ULL << 30;
    opt.pie_base = PIE_BASE;
    if (!ck::elf::plan_load(f.data(), f.size(), opt, p).ok()) {
        _exit(100);
    }
    if (map_fixed(p.image_start, p.image_end - p.image_start, PROT_READ | PROT_WRITE) == nullptr) {
        _exit(101);
    }
    DirectMemory mem;
    if (!ck::elf::load_segments(mem, p, f.data(), f.size()).ok()) {
        _exit(102);
    }
    uint32_t prev_prot = 0;
    uint64_t prev_end = 0;
    for (uint32_t i = 0; i < p.nsegments; ++i) {
        const auto& s = p.segments[i];
        const uint64_t start = s.vaddr & ~uint64_t{4095};
        const uint64_t end = (s.vaddr + s.memsz + 4095) & ~uint64_t{4095};
        mprotect(reinterpret_cast<void*>(start), end - start, to_mmap_prot(s.prot));
        if (start < prev_end) { // a shared page gets both segments' rights
            mprotect(reinterpret_cast<void*>(start), 4096, to_mmap_prot(s.prot | prev_prot));
        }
        prev_prot = s.prot;
        prev_end = end;
    }
    if (map_fixed(STACK_BASE, STACK_SIZE, PROT_READ | PROT_WRITE) == nullptr) {
        _exit(103);
    }
    static const uint8_t random[16] = {0x5a, 0x17, 0x99, 0x03, 0xc4, 0x21, 0x7e, 0x3b,
                                       0x88, 0x10, 0x6f, 0xd2, 0x45, 0xa9, 0x0c, 0xe7};
    ck::elf::StackArgs a{};
    a.argv = argv.data();
    a.argc = argv.size();
    a.envp = envp.data();
    a.envc = envp.size();
    a.execfn = path;
    a.random = random;
    ck::elf::StackLayout out{};
    if (!ck::elf::build_initial_stack(mem, STACK_BASE, STACK_BASE + STACK_SIZE, p, a, out).ok()) {
        _exit(104);
    }
    enter(out.rsp, p.entry);
}

struct Run {
    int exit_code = -1;
    std::string output;
};

Run run_loaded(const char* path, std::vector<const char*> argv, std::vector<const char*> envp) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    std::fflush(nullptr);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        child(path, argv, envp);
    }
    close(fds[1]);
    Run r;
    char buf[4096];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) {
        r.output.append(buf, static_cast<size_t>(n));
    }
    close(fds[0]);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    INFO("status " << status);
    REQUIRE(WIFEXITED(status));
    r.exit_code = WEXITSTATUS(status);
    return r;
}

} // namespace

TEST_CASE("a loaded static glibc program runs from the built stack", "[elf][exec]") {
    for (const char* path : {ELF_HELLO_STATIC, ELF_HELLO_STATIC_PIE}) {
        INFO(path);
        const Run r = run_loaded(path, {"hello", "first arg", "x"}, {"A=1", "B=2"});
        CHECK(r.output ==
              "hello from hello: argc=3 envc=2 tls=42 pagesz=4096\nargv[1]=first arg\nargv[2]=x\n");
        CHECK(r.exit_code == 42);
    }
}

TEST_CASE("a loaded busybox and a libc-free program run", "[elf][exec]") {
    const Run echo =
        run_loaded("/bin/busybox", {"echo", "loaded", "by", "the co-kernel loader"}, {"PATH=/bin"});
    CHECK(echo.output == "loaded by the co-kernel loader\n");
    CHECK(echo.exit_code == 0);
    for (const char* path : {ELF_TINY_STATIC, ELF_TINY_STATIC_PIE}) {
        INFO(path);
        CHECK(run_loaded(path, {"tiny"}, {}).exit_code == 42);
    }
}

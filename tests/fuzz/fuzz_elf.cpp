// libFuzzer target for the co-kernel's ELF loader: any byte string goes through plan_load; an accepted one
// must give a consistent plan, and its segments and initial stack are then written into a bounds-checked
// fake memory. Built and run by tests/fuzz/run (clang, -fsanitize=fuzzer,address,undefined).
#include "initial_stack.hpp"
#include "load_plan.hpp"
#include "load_segments.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

// One contiguous region; every write must land inside it.
struct RegionMemory {
    uint64_t base;
    std::vector<uint8_t> bytes;

    bool inside(uint64_t addr, uint64_t len) const {
        return addr >= base && addr - base <= bytes.size() && len <= bytes.size() - (addr - base);
    }
    bool write(uint64_t addr, const uint8_t* src, uint64_t len) {
        if (!inside(addr, len)) {
            return false;
        }
        std::memcpy(bytes.data() + (addr - base), src, len);
        return true;
    }
    bool fill(uint64_t addr, uint8_t byte, uint64_t len) {
        if (!inside(addr, len)) {
            return false;
        }
        std::memset(bytes.data() + (addr - base), byte, len);
        return true;
    }
};

void check(bool ok) {
    if (!ok) {
        std::abort();
    }
}

constexpr uint64_t LIMIT = 64ULL << 20;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    ck::elf::LoadPlan plan{};
    ck::elf::LoadOptions opt;
    opt.memory_limit = LIMIT;
    const ck::elf::Status st = ck::elf::plan_load(data, size, opt, plan);
    check(st.message != nullptr && (st.error == ck::elf::Error::ok) == st.ok());
    if (!st.ok()) {
        return 0;
    }
    check(plan.nsegments >= 1 && plan.nsegments <= ck::elf::MAX_LOAD_SEGMENTS);
    bool entry_ok = false;
    for (uint32_t i = 0; i < plan.nsegments; ++i) {
        const ck::elf::Segment& s = plan.segments[i];
        check(s.vaddr >= ck::elf::USER_MIN && s.memsz > 0 && s.memsz <= ck::elf::USER_END - s.vaddr);
        check(s.filesz <= s.memsz && s.offset <= size && s.filesz <= size - s.offset);
        check(i == 0 || plan.segments[i - 1].vaddr + plan.segments[i - 1].memsz <= s.vaddr);
        entry_ok = entry_ok || ((s.prot & ck::elf::prot::EXEC) != 0 && plan.entry >= s.vaddr &&
                                plan.entry - s.vaddr < s.memsz);
    }
    check(entry_ok);
    check(plan.brk_start % ck::elf::PAGE == 0 && plan.image_end == plan.brk_start);
    check(plan.memory_needed <= LIMIT && plan.memory_needed <= plan.image_end - plan.image_start);

    // The image is at most LIMIT bytes of pages but may span a wide range: only load compact ones.
    if (plan.image_end - plan.image_start <= LIMIT) {
        RegionMemory image{plan.image_start, std::vector<uint8_t>(plan.image_end - plan.image_start)};
        check(ck::elf::load_segments(image, plan, data, size).ok());
    }
    constexpr uint64_t top = 0x7ffffffde000;
    RegionMemory stack{top - 8192, std::vector<uint8_t>(8192)};
    static const uint8_t random[16] = {};
    const char* argv[] = {"fuzz", "arg"};
    const char* envp[] = {"A=1"};
    ck::elf::StackArgs args{};
    args.argv = argv;
    args.argc = 2;
    args.envp = envp;
    args.envc = 1;
    args.execfn = "/fuzz";
    args.random = random;
    ck::elf::StackLayout out{};
    check(ck::elf::build_initial_stack(stack, top - 8192, top, plan, args, out).ok());
    check(out.rsp % 16 == 0 && out.rsp >= top - 8192);
    return 0;
}

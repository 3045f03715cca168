#pragma once
// Validates one x86-64 Linux ELF file (the whole file, as bytes) and computes where its segments go: the load
// plan. Accepts ET_EXEC (placed at its link addresses) and ET_DYN with an entry point (static-PIE, a dynamic
// PIE, the dynamic linker itself: placed at a load bias). A PT_INTERP is checked and recorded, not followed:
// program_plan.hpp places an executable together with its interpreter. Everything else is refused with a
// distinct error; docs/elf-loading.md lists every check.
// Header-only and freestanding (no heap, no exceptions, no library calls): the co-kernel and the host unit
// tests and fuzzer compile the same code. Every offset, size and address is checked for overflow before use.
#include "elf_format.hpp"
#include "status.hpp"

#include <stddef.h>
#include <stdint.h>

namespace ck::elf {

constexpr uint64_t PAGE = 4096;
constexpr uint64_t USER_MIN = 0x10000;                // like Linux's vm.mmap_min_addr: page 0 stays unmapped
constexpr uint64_t USER_END = 0x00007ffffffff000;     // Linux's TASK_SIZE_MAX; above is the kernel half
constexpr uint64_t DEFAULT_PIE_BASE = 0x555555554000; // where Linux puts a PIE without ASLR
constexpr uint64_t MAX_SEGMENT_ALIGN = 1ULL << 30;
constexpr uint32_t MAX_LOAD_SEGMENTS = 16;
constexpr uint32_t MAX_PHNUM = 65536 / PHDR_SIZE; // Linux refuses a program-header table above 64 KiB
constexpr uint64_t MAX_INTERP = 4096;             // PATH_MAX: Linux refuses a longer PT_INTERP

// Page protection, with the values of Linux's PROT_* (which are macros in hosted code, hence the namespace).
namespace prot {
constexpr uint32_t READ = 1;
constexpr uint32_t WRITE = 2;
constexpr uint32_t EXEC = 4;
} // namespace prot

struct Segment {
    uint64_t vaddr;  // load bias applied
    uint64_t memsz;  // bytes of memory from vaddr; [vaddr + filesz, vaddr + memsz) is zero (bss)
    uint64_t filesz; // bytes copied from the file
    uint64_t offset; // file offset of the first byte
    uint32_t prot;   // prot::*
};

struct TlsTemplate {
    bool present;
    uint64_t vaddr; // load bias applied; the initialization image lies inside a loaded segment
    uint64_t filesz;
    uint64_t memsz;
    uint64_t align;
};

struct LoadPlan {
    Segment segments[MAX_LOAD_SEGMENTS]; // ascending, non-overlapping (two may share a page)
    uint32_t nsegments;
    bool pie;               // ET_DYN (static-PIE)
    uint64_t bias;          // added (mod 2^64) to every p_vaddr; 0 for ET_EXEC
    uint64_t entry;         // AT_ENTRY, where the job starts
    uint64_t phdr_vaddr;    // AT_PHDR
    uint16_t phnum;         // AT_PHNUM
    uint16_t phentsize;     // AT_PHENT
    TlsTemplate tls;        // PT_TLS
    uint64_t image_start;   // lowest segment address, rounded down to a page
    uint64_t image_end;     // end of the highest segment, rounded up to a page
    uint64_t brk_start;     // the heap (brk) starts here: image_end
    uint64_t memory_needed; // bytes of pages the segments cover (a page shared by two counts once)
    uint32_t stack_prot; // from PT_GNU_STACK; READ|WRITE when absent (never an executable stack by default)
    bool stack_flags_given; // PT_GNU_STACK present
    uint64_t interp_offset; // PT_INTERP: the interpreter's path, NUL-terminated, at this file offset
    uint64_t interp_size;   // its bytes, the NUL included; 0: no PT_INTERP (a static executable)
};

struct LoadOptions {
    uint64_t memory_limit; // refuse (too_large) when the segments need more bytes than this
    uint64_t pie_base =
        DEFAULT_PIE_BASE; // where the lowest segment of a static-PIE goes (rounded up to its alignment)
};

namespace detail {

constexpr uint64_t page_down(uint64_t a) {
    return a & ~(PAGE - 1);
}

// a rounded up to the power of two align; false on overflow.
constexpr bool align_up(uint64_t a, uint64_t align, uint64_t& out) {
    if (a > UINT64_MAX - (align - 1)) {
        return false;
    }
    out = (a + align - 1) & ~(align - 1);
    return true;
}

constexpr bool is_pow2(uint64_t v) {
    return v != 0 && (v & (v - 1)) == 0;
}

constexpr uint32_t prot_from_flags(uint32_t flags) {
    return ((flags & pf::R) != 0 ? prot::READ : 0) | ((flags & pf::W) != 0 ? prot::WRITE : 0) |
           ((flags & pf::X) != 0 ? prot::EXEC : 0);
}

// The loaded segment whose file-backed bytes contain [vaddr, vaddr + size), or nullptr.
constexpr const Segment* file_backed_segment(const LoadPlan& plan, uint64_t vaddr, uint64_t size) {
    for (uint32_t i = 0; i < plan.nsegments; ++i) {
        const Segment& s = plan.segments[i];
        if (vaddr >= s.vaddr && vaddr - s.vaddr <= s.filesz && size <= s.filesz - (vaddr - s.vaddr)) {
            return &s;
        }
    }
    return nullptr;
}

constexpr Status check_ident(const uint8_t* data, size_t size) {
    if (size < 4 || data[0] != MAGIC[0] || data[1] != MAGIC[1] || data[2] != MAGIC[2] ||
        data[3] != MAGIC[3]) {
        return {Error::not_elf, "not an ELF file (no ELF magic number)"};
    }
    if (size < EHDR_SIZE) {
        return {Error::truncated, "truncated: the file ends inside the ELF header"};
    }
    if (data[ident::CLASS] != ident::CLASS64) {
        return {Error::not_x86_64, "not an x86-64 executable (not a 64-bit ELF file)"};
    }
    if (data[ident::DATA] != ident::LSB) {
        return {Error::not_x86_64, "not an x86-64 executable (not little-endian)"};
    }
    const Ehdr h = parse_ehdr(data);
    if (h.machine != MACHINE_X86_64) {
        return {Error::not_x86_64, "not an x86-64 executable (ELF file for another architecture)"};
    }
    if (data[ident::VERSION] != ident::CURRENT_VERSION || h.version != ident::CURRENT_VERSION) {
        return {Error::corrupt, "corrupt ELF file: unknown ELF version"};
    }
    if (h.type != et::EXEC && h.type != et::DYN) {
        return {Error::not_executable,
                "not an executable (relocatable object, core file or unknown ELF type)"};
    }
    if (h.ehsize < EHDR_SIZE) {
        return {Error::corrupt, "corrupt ELF file: ELF header size too small"};
    }
    if (h.phentsize != PHDR_SIZE) {
        return {Error::corrupt, "corrupt ELF file: program header entry size is not 56"};
    }
    if (h.phnum == 0 || h.phnum > MAX_PHNUM) {
        return {Error::corrupt, "corrupt ELF file: program header count 0 or above 1170"};
    }
    if (h.phoff > size || size - h.phoff < uint64_t{h.phnum} * PHDR_SIZE) {
        return {Error::truncated, "truncated: program headers beyond the end of the file"};
    }
    return success();
}

// One PT_LOAD, before the load bias: checked and appended to plan.segments.
constexpr Status add_load_segment(const Phdr& ph, size_t size, LoadPlan& plan, uint64_t& max_align) {
    if (ph.filesz > ph.memsz) {
        return {Error::corrupt, "corrupt ELF file: segment file size larger than its memory size"};
    }
    if (ph.offset > UINT64_MAX - ph.filesz) {
        return {Error::corrupt, "corrupt ELF file: segment file range overflows"};
    }
    if (ph.offset + ph.filesz > size) {
        return {Error::truncated, "truncated: segment contents beyond the end of the file"};
    }
    if (ph.align > 1 && !is_pow2(ph.align)) {
        return {Error::corrupt, "corrupt ELF file: segment alignment not a power of two"};
    }
    if (ph.align > MAX_SEGMENT_ALIGN) {
        return {Error::corrupt, "corrupt ELF file: segment alignment above 1 GiB"};
    }
    if ((ph.vaddr - ph.offset) % PAGE != 0) {
        return {Error::corrupt, "corrupt ELF file: segment offset and address differ modulo the page size"};
    }
    if (ph.vaddr > UINT64_MAX - ph.memsz) {
        return {Error::corrupt, "corrupt ELF file: segment address range overflows"};
    }
    if (ph.memsz == 0) {
        return success(); // maps nothing
    }
    if (plan.nsegments > 0) {
        const Segment& prev = plan.segments[plan.nsegments - 1];
        if (ph.vaddr < prev.vaddr + prev.memsz) {
            return {Error::corrupt,
                    "corrupt ELF file: loadable segments overlap or are not in address order"};
        }
    }
    if (plan.nsegments == MAX_LOAD_SEGMENTS) {
        return {Error::corrupt, "corrupt ELF file: more than 16 loadable segments"};
    }
    if (ph.align > max_align) {
        max_align = ph.align;
    }
    Segment& s = plan.segments[plan.nsegments++];
    s.vaddr = ph.vaddr;
    s.memsz = ph.memsz;
    s.filesz = ph.filesz;
    s.offset = ph.offset;
    s.prot = prot_from_flags(ph.flags);
    return success();
}

// Moves the segments by the load bias (static-PIE) and checks they land in user space.
constexpr Status place_segments(uint16_t type, const LoadOptions& opt, uint64_t max_align, LoadPlan& plan) {
    plan.pie = type == et::DYN;
    plan.bias = 0;
    if (plan.pie) {
        uint64_t base = 0;
        if (!align_up(opt.pie_base, max_align, base)) {
            return {Error::corrupt, "corrupt ELF file: no room for the segments at the load bias"};
        }
        // Modular: the lowest segment's aligned start lands on base.
        plan.bias = base - (plan.segments[0].vaddr & ~(max_align - 1));
    }
    const uint64_t first = plan.segments[0].vaddr;
    const uint64_t start = first + plan.bias;
    for (uint32_t i = 0; i < plan.nsegments; ++i) {
        Segment& s = plan.segments[i];
        const uint64_t rel = s.vaddr - first; // segments ascend: no wrap
        if (start > UINT64_MAX - rel) {
            return {Error::corrupt, "corrupt ELF file: segment in the kernel half of the address space"};
        }
        s.vaddr = start + rel;
        if (s.vaddr < USER_MIN) {
            return {Error::corrupt, "corrupt ELF file: segment below 64 KiB (page 0 must stay unmapped)"};
        }
        if (s.vaddr >= USER_END || s.memsz > USER_END - s.vaddr) {
            return {Error::corrupt, "corrupt ELF file: segment in the kernel half of the address space"};
        }
    }
    return success();
}

// AT_PHDR: from PT_PHDR when present, else the loaded bytes holding the program-header table. Static glibc
// finds its TLS template through AT_PHDR, so a table that is not loaded is refused.
constexpr Status find_phdr(const Ehdr& h, bool has_pt_phdr, uint64_t pt_phdr_vaddr, LoadPlan& plan) {
    const uint64_t table = uint64_t{h.phnum} * PHDR_SIZE;
    if (has_pt_phdr) {
        plan.phdr_vaddr = pt_phdr_vaddr + plan.bias;
        if (file_backed_segment(plan, plan.phdr_vaddr, table) == nullptr) {
            return {Error::corrupt, "corrupt ELF file: PT_PHDR outside the loaded file contents"};
        }
        return success();
    }
    for (uint32_t i = 0; i < plan.nsegments; ++i) {
        const Segment& s = plan.segments[i];
        if (h.phoff >= s.offset && h.phoff - s.offset <= s.filesz &&
            table <= s.filesz - (h.phoff - s.offset)) {
            plan.phdr_vaddr = s.vaddr + (h.phoff - s.offset);
            return success();
        }
    }
    return {Error::corrupt, "corrupt ELF file: program headers not inside a loadable segment (no AT_PHDR)"};
}

constexpr Status check_tls(const Phdr& ph, LoadPlan& plan) {
    if (plan.tls.present) {
        return {Error::corrupt, "corrupt ELF file: more than one PT_TLS"};
    }
    if (ph.filesz > ph.memsz) {
        return {Error::corrupt, "corrupt ELF file: TLS file size larger than its memory size"};
    }
    if (ph.align > 1 && (!is_pow2(ph.align) || ph.align > PAGE)) {
        return {Error::corrupt, "corrupt ELF file: TLS alignment not a power of two up to 4096"};
    }
    if (ph.memsz > USER_END) {
        return {Error::corrupt, "corrupt ELF file: TLS memory size too large"};
    }
    plan.tls.present = true;
    plan.tls.vaddr = ph.vaddr + plan.bias;
    plan.tls.filesz = ph.filesz;
    plan.tls.memsz = ph.memsz;
    plan.tls.align = ph.align;
    if (file_backed_segment(plan, plan.tls.vaddr, ph.filesz) == nullptr) {
        return {Error::corrupt,
                "corrupt ELF file: TLS initialization image outside the loaded file contents"};
    }
    return success();
}

// PT_INTERP: a path of 1 to 4095 bytes and its NUL, inside the file (Linux's checks in load_elf_binary).
constexpr Status check_interp(const Phdr& ph, const uint8_t* data, size_t size, LoadPlan& plan) {
    if (plan.interp_size != 0) {
        return {Error::corrupt, "corrupt ELF file: more than one PT_INTERP"};
    }
    if (ph.filesz < 2 || ph.filesz > MAX_INTERP || ph.offset > size || size - ph.offset < ph.filesz) {
        return {Error::corrupt,
                "corrupt ELF file: PT_INTERP is not a path of 1 to 4095 bytes inside the file"};
    }
    for (uint64_t i = 0; i + 1 < ph.filesz; ++i) {
        if (data[ph.offset + i] == 0) {
            return {Error::corrupt, "corrupt ELF file: PT_INTERP holds a NUL before its end"};
        }
    }
    if (data[ph.offset + ph.filesz - 1] != 0) {
        return {Error::corrupt, "corrupt ELF file: PT_INTERP is not NUL-terminated"};
    }
    plan.interp_offset = ph.offset;
    plan.interp_size = ph.filesz;
    return success();
}

constexpr Status check_entry(const Ehdr& h, LoadPlan& plan) {
    plan.entry = h.entry + plan.bias;
    for (uint32_t i = 0; i < plan.nsegments; ++i) {
        const Segment& s = plan.segments[i];
        if ((s.prot & prot::EXEC) != 0 && plan.entry >= s.vaddr && plan.entry - s.vaddr < s.memsz) {
            return success();
        }
    }
    return {Error::corrupt, "corrupt ELF file: entry point outside any executable segment"};
}

// Pages covered by the segments, a page shared by neighbours counted once; the image bounds and brk.
constexpr void measure(LoadPlan& plan) {
    uint64_t bytes = 0;
    uint64_t covered_to = 0; // end of the last counted page
    for (uint32_t i = 0; i < plan.nsegments; ++i) {
        const Segment& s = plan.segments[i];
        uint64_t start = page_down(s.vaddr);
        uint64_t end = 0;
        (void)align_up(s.vaddr + s.memsz, PAGE, end); // below USER_END: cannot overflow
        if (start < covered_to) {
            start = covered_to;
        }
        bytes += end > start ? end - start : 0;
        covered_to = end;
    }
    plan.memory_needed = bytes;
    plan.image_start = page_down(plan.segments[0].vaddr);
    plan.image_end = covered_to;
    plan.brk_start = covered_to;
}

} // namespace detail

// Validates the executable in data[0, size) and fills plan. On failure plan holds partial results only.
constexpr Status plan_load(const uint8_t* data, size_t size, const LoadOptions& opt, LoadPlan& plan) {
    plan.nsegments = 0;
    plan.tls.present = false;
    plan.stack_flags_given = false;
    plan.stack_prot = prot::READ | prot::WRITE;
    plan.interp_offset = 0;
    plan.interp_size = 0;
    if (data == nullptr) {
        size = 0;
    }
    if (Status st = detail::check_ident(data, size); !st.ok()) {
        return st;
    }
    const Ehdr h = parse_ehdr(data);
    const uint8_t* const phdrs = data + h.phoff;
    if (h.type == et::DYN && h.entry == 0) {
        return {Error::not_executable, "not an executable (a shared library: no entry point)"};
    }
    uint64_t max_align = PAGE;
    bool has_pt_phdr = false;
    uint64_t pt_phdr_vaddr = 0;
    for (uint32_t i = 0; i < h.phnum; ++i) {
        const Phdr ph = parse_phdr(phdrs + i * PHDR_SIZE);
        if (ph.type == pt::LOAD) {
            if (Status st = detail::add_load_segment(ph, size, plan, max_align); !st.ok()) {
                return st;
            }
        } else if (ph.type == pt::PHDR) {
            has_pt_phdr = true;
            pt_phdr_vaddr = ph.vaddr;
        } else if (ph.type == pt::INTERP) {
            if (Status st = detail::check_interp(ph, data, size, plan); !st.ok()) {
                return st;
            }
        } else if (ph.type == pt::GNU_STACK) {
            plan.stack_flags_given = true;
            plan.stack_prot = prot::READ | prot::WRITE | ((ph.flags & pf::X) != 0 ? prot::EXEC : 0);
        }
    }
    if (plan.nsegments == 0) {
        return {Error::corrupt, "corrupt ELF file: no loadable segment"};
    }
    if (Status st = detail::place_segments(h.type, opt, max_align, plan); !st.ok()) {
        return st;
    }
    if (Status st = detail::check_entry(h, plan); !st.ok()) {
        return st;
    }
    plan.phnum = h.phnum;
    plan.phentsize = h.phentsize;
    if (Status st = detail::find_phdr(h, has_pt_phdr, pt_phdr_vaddr, plan); !st.ok()) {
        return st;
    }
    for (uint32_t i = 0; i < h.phnum; ++i) {
        const Phdr ph = parse_phdr(phdrs + i * PHDR_SIZE);
        if (ph.type == pt::TLS) {
            if (Status st = detail::check_tls(ph, plan); !st.ok()) {
                return st;
            }
        }
    }
    detail::measure(plan);
    if (plan.memory_needed > opt.memory_limit) {
        return {Error::too_large, "executable larger than the memory available"};
    }
    return success();
}

} // namespace ck::elf

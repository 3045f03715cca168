#pragma once
// Shared by the ELF loader tests: reading the real test executables, an independent reading of their headers
// through glibc's <elf.h> (the reference the loader's own parser is checked against), a synthetic ELF
// builder, and a fake job memory that records every write and refuses any outside its regions.
#include "load_plan.hpp"
#include "user_memory.hpp"

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace elftest {

using Bytes = std::vector<uint8_t>;

inline Bytes read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path);
    }
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline Elf64_Ehdr ehdr_of(const Bytes& f) {
    Elf64_Ehdr h;
    std::memcpy(&h, f.data(), sizeof h);
    return h;
}
inline void set_ehdr(Bytes& f, const Elf64_Ehdr& h) {
    std::memcpy(f.data(), &h, sizeof h);
}

inline std::vector<Elf64_Phdr> phdrs_of(const Bytes& f) {
    const Elf64_Ehdr h = ehdr_of(f);
    std::vector<Elf64_Phdr> v(h.e_phnum);
    std::memcpy(v.data(), f.data() + h.e_phoff, v.size() * sizeof(Elf64_Phdr));
    return v;
}
inline void set_phdrs(Bytes& f, const std::vector<Elf64_Phdr>& v) {
    std::memcpy(f.data() + ehdr_of(f).e_phoff, v.data(), v.size() * sizeof(Elf64_Phdr));
}

// Index of the n-th program header of type t, or -1.
inline int find_phdr(const std::vector<Elf64_Phdr>& v, uint32_t t, int n = 0) {
    for (size_t i = 0; i < v.size(); ++i) {
        if (v[i].p_type == t && n-- == 0) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

inline Elf64_Phdr phdr(uint32_t type, uint32_t flags, uint64_t offset, uint64_t vaddr, uint64_t filesz,
                       uint64_t memsz, uint64_t align = 0x1000) {
    Elf64_Phdr p{};
    p.p_type = type;
    p.p_flags = flags;
    p.p_offset = offset;
    p.p_vaddr = vaddr;
    p.p_paddr = vaddr;
    p.p_filesz = filesz;
    p.p_memsz = memsz;
    p.p_align = align;
    return p;
}

// A synthetic x86-64 ELF: header, program headers at 64, zero bytes up to size.
inline Bytes make_elf(uint16_t type, uint64_t entry, const std::vector<Elf64_Phdr>& phdrs,
                      size_t size = 0x10000) {
    Bytes f(size);
    Elf64_Ehdr h{};
    std::memcpy(h.e_ident, ELFMAG, SELFMAG);
    h.e_ident[EI_CLASS] = ELFCLASS64;
    h.e_ident[EI_DATA] = ELFDATA2LSB;
    h.e_ident[EI_VERSION] = EV_CURRENT;
    h.e_type = type;
    h.e_machine = EM_X86_64;
    h.e_version = EV_CURRENT;
    h.e_entry = entry;
    h.e_phoff = sizeof(Elf64_Ehdr);
    h.e_ehsize = sizeof(Elf64_Ehdr);
    h.e_phentsize = sizeof(Elf64_Phdr);
    h.e_phnum = static_cast<uint16_t>(phdrs.size());
    set_ehdr(f, h);
    set_phdrs(f, phdrs);
    return f;
}

inline ck::elf::Status plan(const Bytes& f, ck::elf::LoadPlan& out, uint64_t limit = 1ULL << 30,
                            uint64_t pie_base = ck::elf::DEFAULT_PIE_BASE) {
    ck::elf::LoadOptions opt;
    opt.memory_limit = limit;
    opt.pie_base = pie_base;
    return ck::elf::plan_load(f.data(), f.size(), opt, out);
}

// Job memory made of regions; every byte written is recorded; writes outside the regions are refused.
struct FakeUserMemory {
    std::map<uint64_t, Bytes> regions; // base -> contents
    uint64_t writes = 0;
    uint64_t lowest_write = UINT64_MAX;

    void add_region(uint64_t base, uint64_t size) { regions[base] = Bytes(size, 0xcc); }

    uint8_t* at(uint64_t addr, uint64_t len) {
        for (auto& [base, bytes] : regions) {
            if (addr >= base && addr - base <= bytes.size() && len <= bytes.size() - (addr - base)) {
                return bytes.data() + (addr - base);
            }
        }
        return nullptr;
    }
    bool write(uint64_t addr, const uint8_t* src, uint64_t len) {
        uint8_t* p = at(addr, len);
        if (p == nullptr) {
            return false;
        }
        std::memcpy(p, src, len);
        ++writes;
        lowest_write = std::min(lowest_write, addr);
        return true;
    }
    bool fill(uint64_t addr, uint8_t byte, uint64_t len) {
        uint8_t* p = at(addr, len);
        if (p == nullptr) {
            return false;
        }
        std::memset(p, byte, len);
        ++writes;
        lowest_write = std::min(lowest_write, addr);
        return true;
    }
    uint64_t word(uint64_t addr) {
        const uint8_t* p = at(addr, 8);
        if (p == nullptr) {
            throw std::runtime_error("read outside the fake memory");
        }
        uint64_t v;
        std::memcpy(&v, p, 8);
        return v;
    }
    std::string string(uint64_t addr) {
        std::string s;
        for (;; ++addr) {
            const uint8_t* p = at(addr, 1);
            if (p == nullptr) {
                throw std::runtime_error("string runs outside the fake memory");
            }
            if (*p == 0) {
                return s;
            }
            s += static_cast<char>(*p);
        }
    }
};
static_assert(ck::elf::UserMemory<FakeUserMemory>);

} // namespace elftest

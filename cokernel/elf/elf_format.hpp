#pragma once
// The parts of the ELF64 format the loader reads: header and program-header fields, constants, and a
// little-endian reader. Fields are read byte by byte from the file image, so a file's alignment and the
// host's strict-aliasing rules never matter and no memcpy is needed (the co-kernel has none).
#include <stddef.h>
#include <stdint.h>

namespace ck::elf {

constexpr uint8_t MAGIC[4] = {0x7f, 'E', 'L', 'F'};
constexpr size_t EI_CLASS = 4;
constexpr size_t EI_DATA = 5;
constexpr size_t EI_VERSION = 6;
constexpr uint8_t ELFCLASS64 = 2;
constexpr uint8_t ELFDATA2LSB = 1;
constexpr uint8_t EV_CURRENT = 1;

constexpr uint16_t ET_EXEC = 2;
constexpr uint16_t ET_DYN = 3;
constexpr uint16_t EM_X86_64 = 62;

constexpr uint32_t PT_LOAD = 1;
constexpr uint32_t PT_DYNAMIC = 2;
constexpr uint32_t PT_INTERP = 3;
constexpr uint32_t PT_PHDR = 6;
constexpr uint32_t PT_TLS = 7;
constexpr uint32_t PT_GNU_STACK = 0x6474e551;

constexpr uint32_t PF_X = 1;
constexpr uint32_t PF_W = 2;
constexpr uint32_t PF_R = 4;

constexpr size_t EHDR_SIZE = 64;
constexpr size_t PHDR_SIZE = 56;

template <class T>
constexpr T read_le(const uint8_t* p) {
    T v = 0;
    for (size_t i = sizeof(T); i-- > 0;) {
        v = static_cast<T>((static_cast<uint64_t>(v) << 8) | p[i]);
    }
    return v;
}

struct Ehdr {
    uint16_t type;
    uint16_t machine;
    uint32_t version;
    uint64_t entry;
    uint64_t phoff;
    uint16_t ehsize;
    uint16_t phentsize;
    uint16_t phnum;
};

struct Phdr {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t filesz;
    uint64_t memsz;
    uint64_t align;
};

// p must point at EHDR_SIZE readable bytes.
constexpr Ehdr parse_ehdr(const uint8_t* p) {
    Ehdr h{};
    h.type = read_le<uint16_t>(p + 0x10);
    h.machine = read_le<uint16_t>(p + 0x12);
    h.version = read_le<uint32_t>(p + 0x14);
    h.entry = read_le<uint64_t>(p + 0x18);
    h.phoff = read_le<uint64_t>(p + 0x20);
    h.ehsize = read_le<uint16_t>(p + 0x34);
    h.phentsize = read_le<uint16_t>(p + 0x36);
    h.phnum = read_le<uint16_t>(p + 0x38);
    return h;
}

// p must point at PHDR_SIZE readable bytes.
constexpr Phdr parse_phdr(const uint8_t* p) {
    Phdr h{};
    h.type = read_le<uint32_t>(p + 0x00);
    h.flags = read_le<uint32_t>(p + 0x04);
    h.offset = read_le<uint64_t>(p + 0x08);
    h.vaddr = read_le<uint64_t>(p + 0x10);
    h.filesz = read_le<uint64_t>(p + 0x20);
    h.memsz = read_le<uint64_t>(p + 0x28);
    h.align = read_le<uint64_t>(p + 0x30);
    return h;
}

} // namespace ck::elf

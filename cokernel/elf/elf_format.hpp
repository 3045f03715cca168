#pragma once
// The parts of the ELF64 format the loader reads: header and program-header fields, constants, and a
// little-endian reader. Fields are read byte by byte from the file image, so a file's alignment and the
// host's strict-aliasing rules never matter and no memcpy is needed (the co-kernel has none).
#include <stddef.h>
#include <stdint.h>

namespace ck::elf {

// Names are namespaced (ident::CLASS, pt::LOAD) rather than the usual EI_CLASS, PT_LOAD: hosted code that
// includes <elf.h> has those as macros.
constexpr uint8_t MAGIC[4] = {0x7f, 'E', 'L', 'F'};
namespace ident {
constexpr size_t CLASS = 4;
constexpr size_t DATA = 5;
constexpr size_t VERSION = 6;
constexpr uint8_t CLASS64 = 2;
constexpr uint8_t LSB = 1;
constexpr uint8_t CURRENT_VERSION = 1;
} // namespace ident

namespace et {
constexpr uint16_t EXEC = 2;
constexpr uint16_t DYN = 3;
} // namespace et
constexpr uint16_t MACHINE_X86_64 = 62;

namespace pt {
constexpr uint32_t LOAD = 1;
constexpr uint32_t DYNAMIC = 2;
constexpr uint32_t INTERP = 3;
constexpr uint32_t PHDR = 6;
constexpr uint32_t TLS = 7;
constexpr uint32_t GNU_STACK = 0x6474e551;
} // namespace pt

namespace pf {
constexpr uint32_t X = 1;
constexpr uint32_t W = 2;
constexpr uint32_t R = 4;
} // namespace pf

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

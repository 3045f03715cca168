// libFuzzer target for the module's checks of the co-kernel image that user space hands to COKERNEL_IOC_BOOT
// (linux-module/image.c, the source the module builds): any byte string goes through ck_image_check. A
// refusal must give one of its sentences and no header; an accepted image is checked again here,
// independently and in 128-bit arithmetic, for everything the module then relies on (boot.c copies every
// PT_LOAD segment into the image window, cpu_start.c copies the trampoline blob), and those bytes are read as
// the module reads them, so that ASan sees any of them outside the input. Built and run by tests/fuzz/run.
#include "linux-module/image.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

__extension__ typedef unsigned __int128 u128;

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_module_image: broken invariant: %s\n", what);
        std::abort();
    }
}

constexpr const char* SENTENCES[] = {
    "the image is not an x86-64 ELF executable",
    "the ELF program headers are misaligned",
    "an ELF segment lies outside the file",
    "no valid co-kernel image header at the link base",
    "the image speaks another boot revision than the module",
    "the image's trampoline has a bad header or boot revision",
    "the image's entry point or size is out of range",
    "an ELF segment lies outside the image",
};

bool known_sentence(const char* why) {
    for (const char* s : SENTENCES) {
        if (std::strcmp(why, s) == 0) {
            return true;
        }
    }
    return false;
}

// Sums bytes [off, off + len) of the input: an out-of-bounds read is an ASan report.
volatile uint8_t sink;
void touch(const uint8_t* img, uint64_t off, uint64_t len) {
    uint8_t sum = 0;
    for (uint64_t i = 0; i < len; ++i) {
        sum = static_cast<uint8_t>(sum + img[off + i]);
    }
    sink = sum;
}

void check_accepted(const uint8_t* img, uint64_t size, const cokernel_image_header* ih) {
    Elf64_Ehdr eh;
    check(size >= sizeof eh, "an accepted image holds an ELF header");
    std::memcpy(&eh, img, sizeof eh);
    check(std::memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_ident[EI_CLASS] == ELFCLASS64 &&
              eh.e_machine == EM_X86_64 && eh.e_type == ET_EXEC && eh.e_phentsize == sizeof(Elf64_Phdr),
          "an accepted image is an x86-64 ELF executable");
    check(eh.e_phoff % 8 == 0 && u128{eh.e_phoff} + u128{eh.e_phnum} * sizeof(Elf64_Phdr) <= size,
          "the program headers lie inside the input, aligned");

    // The header: inside the input, aligned, at the file offset of a PT_LOAD segment at the link base that
    // holds it and the whole trampoline blob.
    const uint8_t* h = reinterpret_cast<const uint8_t*>(ih);
    check(h >= img && h < img + size, "the header points into the input");
    const uint64_t hoff = static_cast<uint64_t>(h - img);
    check(hoff % 8 == 0, "the header is aligned");
    check(u128{hoff} + COKERNEL_TRAMPOLINE_OFFSET + sizeof(cokernel_trampoline) <= size,
          "header and trampoline header lie inside the input");
    cokernel_image_header hdr;
    cokernel_trampoline tr;
    std::memcpy(&hdr, h, sizeof hdr);
    std::memcpy(&tr, h + COKERNEL_TRAMPOLINE_OFFSET, sizeof tr);
    check(hdr.hdr.signature == COKERNEL_SIGNATURE && hdr.hdr.revision == COKERNEL_BOOT_REVISION &&
              hdr.hdr.size == sizeof hdr && hdr.arch == COKERNEL_IMAGE_ARCH_X86_64 &&
              hdr.link_base == COKERNEL_LINK_BASE,
          "the image header is valid");
    check(tr.hdr.signature == COKERNEL_SIGNATURE && tr.hdr.revision == COKERNEL_BOOT_REVISION &&
              tr.hdr.size >= sizeof tr && tr.hdr.size <= 4096,
          "the trampoline header is valid");
    check(hdr.image_size > 0 && hdr.image_size <= COKERNEL_IMAGE_WINDOW, "the image fits the window");
    check(hdr.entry >= COKERNEL_LINK_BASE && u128{hdr.entry} < u128{COKERNEL_LINK_BASE} + hdr.image_size,
          "the entry point lies inside the image");

    bool holder = false;
    for (unsigned i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph;
        std::memcpy(&ph, img + eh.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type != PT_LOAD) {
            continue;
        }
        check(u128{ph.p_offset} + ph.p_filesz <= size, "a segment's bytes lie inside the input");
        check(ph.p_filesz <= ph.p_memsz, "a segment's file bytes fit its memory");
        check(ph.p_vaddr >= COKERNEL_LINK_BASE &&
                  u128{ph.p_vaddr} + ph.p_memsz <= u128{COKERNEL_LINK_BASE} + hdr.image_size,
              "a segment lies inside the image");
        touch(img, ph.p_offset,
              ph.p_filesz); // boot.c: memcpy(area + vaddr - LINK_BASE, img + offset, filesz)
        if (ph.p_vaddr == COKERNEL_LINK_BASE && ph.p_offset == hoff &&
            u128{COKERNEL_TRAMPOLINE_OFFSET} + tr.hdr.size <= ph.p_filesz) {
            holder = true;
        }
    }
    check(holder, "a segment at the link base holds the header and the whole trampoline");
    touch(h, COKERNEL_TRAMPOLINE_OFFSET, tr.hdr.size); // cpu_start.c: memcpy(low page, blob, hdr.size)
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // A copy of exactly the input's size (the module's is vmalloc()ed, page aligned; new[] gives 16).
    std::vector<uint8_t> img(data, data + size);
    const cokernel_image_header* const unset = reinterpret_cast<const cokernel_image_header*>(uintptr_t{8});
    const cokernel_image_header* ih = unset;
    const char* why = nullptr;
    const int ret = ck_image_check(img.data(), size, &ih, &why);
    check(ret == 0 || ret == -1, "the check returns 0 or -1");
    if (ret != 0) {
        check(why != nullptr && known_sentence(why), "a refusal gives one of the check's sentences");
        check(ih == unset, "a refusal leaves no header");
        return 0;
    }
    check(ih != unset, "an accepted image has a header");
    check_accepted(img.data(), size, ih);
    return 0;
}

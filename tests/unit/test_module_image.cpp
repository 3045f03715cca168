// The module's checks of the co-kernel image that user space hands to COKERNEL_IOC_BOOT
// (linux-module/image.c, the same source as in cokernel.ko): the real image passes, each check fires on its
// own corruption of it with its own sentence, and no truncation of the image passes or reads outside its
// bytes (ASan in the sanitizer build). Built where the image is (COKERNEL_BUILD_IMAGE, the default, also in
// the sanitizer build).
#ifdef COKERNEL_IMAGE_ELF
#include "linux-module/image.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

namespace {

constexpr const char* NOT_ELF = "the image is not an x86-64 ELF executable";
constexpr const char* MISALIGNED = "the ELF program headers are misaligned";
constexpr const char* OUTSIDE_FILE = "an ELF segment lies outside the file";
constexpr const char* NO_HEADER = "no valid co-kernel image header at the link base";
constexpr const char* REVISION = "the image speaks another boot revision than the module";
constexpr const char* TRAMPOLINE = "the image's trampoline has a bad header or boot revision";
constexpr const char* ENTRY_SIZE = "the image's entry point or size is out of range";
constexpr const char* OUTSIDE_IMAGE = "an ELF segment lies outside the image";

// The image's bytes in a buffer of exactly their size (so that ASan sees any read past the end), 8-aligned as
// the module's vmalloc() copy is.
struct Image {
    std::vector<uint8_t> bytes;

    uint64_t size() const { return bytes.size(); }
    Elf64_Ehdr& ehdr() { return *reinterpret_cast<Elf64_Ehdr*>(bytes.data()); }
    Elf64_Phdr& phdr(unsigned i) { return reinterpret_cast<Elf64_Phdr*>(bytes.data() + ehdr().e_phoff)[i]; }
    // The segment that starts at the link base (the image header and the trampoline), as the build makes it.
    unsigned first() {
        for (unsigned i = 0; i < ehdr().e_phnum; ++i) {
            if (phdr(i).p_type == PT_LOAD && phdr(i).p_vaddr == COKERNEL_LINK_BASE) {
                return i;
            }
        }
        FAIL("the image has no segment at the link base");
        return 0;
    }
    // A PT_LOAD segment other than the first (the build makes rodata and bss ones).
    unsigned other() {
        for (unsigned i = 0; i < ehdr().e_phnum; ++i) {
            if (phdr(i).p_type == PT_LOAD && phdr(i).p_vaddr != COKERNEL_LINK_BASE) {
                return i;
            }
        }
        FAIL("the image has only one segment");
        return 0;
    }
    cokernel_image_header& header() {
        return *reinterpret_cast<cokernel_image_header*>(bytes.data() + phdr(first()).p_offset);
    }
    cokernel_trampoline& trampoline() {
        return *reinterpret_cast<cokernel_trampoline*>(reinterpret_cast<uint8_t*>(&header()) +
                                                       COKERNEL_TRAMPOLINE_OFFSET);
    }
    // End of the last byte any segment takes from the file.
    uint64_t loaded_end() {
        uint64_t end = 0;
        for (unsigned i = 0; i < ehdr().e_phnum; ++i) {
            if (phdr(i).p_type == PT_LOAD) {
                end = std::max(end, phdr(i).p_offset + phdr(i).p_filesz);
            }
        }
        return end;
    }
};

Image real_image() {
    std::ifstream in(COKERNEL_IMAGE_ELF, std::ios::binary);
    REQUIRE(in);
    Image img;
    img.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    REQUIRE(img.size() > sizeof(Elf64_Ehdr));
    return img;
}

struct Verdict {
    bool ok;
    std::string why;
    const cokernel_image_header* header;
};

const cokernel_image_header* const UNSET = reinterpret_cast<const cokernel_image_header*>(uintptr_t{8});

Verdict check(const uint8_t* bytes, uint64_t size) {
    const cokernel_image_header* header = UNSET;
    const char* why = nullptr;
    const int ret = ck_image_check(bytes, size, &header, &why);
    REQUIRE((ret == 0 || ret == -1));
    if (ret == 0) {
        CHECK(why == nullptr);
        return {true, "", header};
    }
    REQUIRE(why != nullptr);
    CHECK(header == UNSET); // a refused image leaves no header behind
    return {false, why, header};
}

Verdict check(const Image& img) {
    return check(img.bytes.data(), img.size());
}

// The image with one corruption applied: refused with that sentence.
void refuses(const std::function<void(Image&)>& corrupt, const char* why) {
    Image img = real_image();
    corrupt(img);
    const Verdict v = check(img);
    CHECK_FALSE(v.ok);
    CHECK(v.why == why);
}

} // namespace

TEST_CASE("module image check: the co-kernel image the build makes passes", "[module][image]") {
    Image img = real_image();
    const Verdict v = check(img);
    REQUIRE(v.ok);
    CHECK(v.header == &img.header());
    CHECK(v.header->link_base == COKERNEL_LINK_BASE);
    CHECK(v.header->entry == img.ehdr().e_entry);
    CHECK(v.header->image_size > 0);
    CHECK(img.trampoline().hdr.size >= sizeof(cokernel_trampoline));
    // The section headers and symbols after the segments are not needed: the image cut there passes.
    const uint64_t end = img.loaded_end();
    REQUIRE(end <= img.size());
    CHECK(check(img.bytes.data(), end).ok);
}

TEST_CASE("module image check: each ELF header check fires on its own corruption", "[module][image]") {
    refuses([](Image& i) { i.ehdr().e_ident[EI_MAG1] = 'X'; }, NOT_ELF);
    refuses([](Image& i) { i.ehdr().e_ident[EI_CLASS] = ELFCLASS32; }, NOT_ELF);
    refuses([](Image& i) { i.ehdr().e_machine = EM_386; }, NOT_ELF);
    refuses([](Image& i) { i.ehdr().e_machine = EM_AARCH64; }, NOT_ELF);
    refuses([](Image& i) { i.ehdr().e_type = ET_DYN; }, NOT_ELF);
    refuses([](Image& i) { i.ehdr().e_type = ET_REL; }, NOT_ELF);
    refuses([](Image& i) { i.ehdr().e_phentsize = sizeof(Elf64_Phdr) - 8; }, NOT_ELF);
    refuses([](Image& i) { i.ehdr().e_phentsize = sizeof(Elf64_Phdr) + 8; }, NOT_ELF);
    refuses([](Image& i) { i.ehdr().e_phoff = i.size() + 8; }, NOT_ELF);
    refuses([](Image& i) { i.ehdr().e_phoff = ~uint64_t{0} - 7; }, NOT_ELF);
    // One program header more than the file holds after e_phoff, and the most e_phnum can say.
    refuses(
        [](Image& i) { i.ehdr().e_phnum = static_cast<Elf64_Half>((i.size() - i.ehdr().e_phoff) / 56 + 1); },
        NOT_ELF);
    refuses([](Image& i) { i.ehdr().e_phoff = i.size() - 56 * i.ehdr().e_phnum + 8; }, NOT_ELF);
    refuses([](Image& i) { i.ehdr().e_phnum = 0xffff; }, NOT_ELF);
    refuses([](Image& i) { i.ehdr().e_phoff += 4; }, MISALIGNED);
    refuses([](Image& i) { i.ehdr().e_phoff += 1; }, MISALIGNED);
}

TEST_CASE("module image check: each segment check fires on its own corruption", "[module][image]") {
    refuses([](Image& i) { i.phdr(i.first()).p_offset = i.size() + 1; }, OUTSIDE_FILE);
    refuses([](Image& i) { i.phdr(i.other()).p_offset = ~uint64_t{0} - 8; }, OUTSIDE_FILE);
    refuses([](Image& i) { i.phdr(i.first()).p_filesz = i.size() - i.phdr(i.first()).p_offset + 1; },
            OUTSIDE_FILE);
    refuses(
        [](Image& i) {
            Elf64_Phdr& ph = i.phdr(i.first());
            ph.p_memsz = ph.p_filesz - 1; // filesz > memsz
        },
        OUTSIDE_FILE);
    // No segment at the link base: moved, not loadable, or unusable for the header (too short, misaligned).
    refuses([](Image& i) { i.phdr(i.first()).p_vaddr += 0x1000; }, NO_HEADER);
    refuses([](Image& i) { i.phdr(i.first()).p_type = PT_NOTE; }, NO_HEADER);
    refuses([](Image& i) { i.phdr(i.first()).p_filesz = COKERNEL_TRAMPOLINE_OFFSET + 63; }, NO_HEADER);
    refuses([](Image& i) { i.phdr(i.first()).p_offset += 4; }, NO_HEADER);
    refuses([](Image& i) { i.ehdr().e_phnum = 0; }, NO_HEADER);
    // A segment outside the image: below the link base, past its end, or reaching past its end.
    refuses([](Image& i) { i.phdr(i.other()).p_vaddr = COKERNEL_LINK_BASE - 0x1000; }, OUTSIDE_IMAGE);
    refuses([](Image& i) { i.phdr(i.other()).p_vaddr = 0; }, OUTSIDE_IMAGE);
    refuses([](Image& i) { i.phdr(i.other()).p_vaddr = COKERNEL_LINK_BASE + i.header().image_size + 0x1000; },
            OUTSIDE_IMAGE);
    refuses(
        [](Image& i) {
            Elf64_Phdr& ph = i.phdr(i.other());
            ph.p_memsz = i.header().image_size - (ph.p_vaddr - COKERNEL_LINK_BASE) + 1;
        },
        OUTSIDE_IMAGE);
    refuses([](Image& i) { i.phdr(i.other()).p_memsz = ~uint64_t{0}; }, OUTSIDE_IMAGE);
    refuses([](Image& i) { i.phdr(i.first()).p_memsz = i.header().image_size + 1; }, OUTSIDE_IMAGE);
}

TEST_CASE("module image check: each image header check fires on its own corruption", "[module][image]") {
    refuses([](Image& i) { i.header().hdr.signature ^= 1; }, NO_HEADER);
    refuses([](Image& i) { i.header().hdr.size = sizeof(cokernel_image_header) + 8; }, NO_HEADER);
    refuses([](Image& i) { i.header().hdr.size = 0; }, NO_HEADER);
    refuses([](Image& i) { i.header().arch = COKERNEL_IMAGE_ARCH_X86_64 + 1; }, NO_HEADER);
    refuses([](Image& i) { i.header().link_base += 0x200000; }, NO_HEADER);
    refuses([](Image& i) { i.header().hdr.revision = COKERNEL_BOOT_REVISION + 1; }, REVISION);
    refuses([](Image& i) { i.header().hdr.revision = COKERNEL_BOOT_REVISION - 1; }, REVISION);
    refuses([](Image& i) { i.header().entry = COKERNEL_LINK_BASE - 1; }, ENTRY_SIZE);
    refuses([](Image& i) { i.header().entry = COKERNEL_LINK_BASE + i.header().image_size; }, ENTRY_SIZE);
    refuses([](Image& i) { i.header().entry = 0; }, ENTRY_SIZE);
    refuses([](Image& i) { i.header().image_size = 0; }, ENTRY_SIZE);
    refuses([](Image& i) { i.header().image_size = COKERNEL_IMAGE_WINDOW + 1; }, ENTRY_SIZE);
    refuses([](Image& i) { i.header().image_size = ~uint64_t{0}; }, ENTRY_SIZE);
}

TEST_CASE("module image check: each trampoline check fires on its own corruption", "[module][image]") {
    refuses([](Image& i) { i.trampoline().hdr.signature = 0; }, TRAMPOLINE);
    refuses([](Image& i) { i.trampoline().hdr.revision = COKERNEL_BOOT_REVISION + 1; }, TRAMPOLINE);
    refuses([](Image& i) { i.trampoline().hdr.size = sizeof(cokernel_trampoline) - 1; }, TRAMPOLINE);
    refuses([](Image& i) { i.trampoline().hdr.size = 4097; }, TRAMPOLINE);
    // A blob longer than the segment that holds it (the module copies hdr.size bytes to the low page).
    refuses(
        [](Image& i) {
            i.phdr(i.first()).p_filesz = COKERNEL_TRAMPOLINE_OFFSET + i.trampoline().hdr.size - 1;
        },
        TRAMPOLINE);
}

TEST_CASE("module image check: the limits themselves pass", "[module][image]") {
    // Each boundary just inside what the checks allow, so that an off-by-one towards refusal is seen too.
    auto passes = [](const std::function<void(Image&)>& change) {
        Image img = real_image();
        change(img);
        const Verdict v = check(img);
        CHECK(v.ok);
        CHECK(v.why.empty());
    };
    passes([](Image& i) { i.header().entry = COKERNEL_LINK_BASE + i.header().image_size - 1; });
    passes([](Image& i) { i.header().entry = COKERNEL_LINK_BASE; });
    passes([](Image& i) { i.header().image_size = COKERNEL_IMAGE_WINDOW; });
    passes(
        [](Image& i) { i.phdr(i.first()).p_filesz = COKERNEL_TRAMPOLINE_OFFSET + i.trampoline().hdr.size; });
    passes([](Image& i) {
        Elf64_Phdr& ph = i.phdr(i.other());
        ph.p_memsz = i.header().image_size - (ph.p_vaddr - COKERNEL_LINK_BASE);
    });
    passes([](Image& i) { i.ehdr().e_phnum = static_cast<Elf64_Half>(i.ehdr().e_phnum - 1); });
}

TEST_CASE("module image check: no truncation of the image passes a bogus header", "[module][image]") {
    Image img = real_image();
    const uint64_t end = img.loaded_end();
    // Every cut up to 16 KiB (ELF header, program headers, image header, trampoline) and around the end of
    // the loaded bytes, each in a buffer of exactly that size.
    std::vector<uint64_t> cuts;
    for (uint64_t n = 0; n <= 16384 && n < end; ++n) {
        cuts.push_back(n);
    }
    for (uint64_t n = end - 256; n < end; ++n) {
        cuts.push_back(n);
    }
    int refused = 0;
    for (const uint64_t n : cuts) {
        const std::vector<uint8_t> cut(img.bytes.begin(), img.bytes.begin() + static_cast<std::ptrdiff_t>(n));
        const Verdict v = check(cut.data(), n);
        INFO("cut at " << n << ": " << v.why);
        CHECK_FALSE(v.ok);
        CHECK((v.why == NOT_ELF || v.why == OUTSIDE_FILE));
        refused += v.ok ? 0 : 1;
    }
    CHECK(refused == static_cast<int>(cuts.size()));
    CHECK(cuts.size() > 16000);
    // The shortest input that holds every segment's bytes passes.
    const std::vector<uint8_t> exact(img.bytes.begin(), img.bytes.begin() + static_cast<std::ptrdiff_t>(end));
    CHECK(check(exact.data(), end).ok);
}

#endif // COKERNEL_IMAGE_ELF

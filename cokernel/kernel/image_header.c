/*
 * The header at offset 0 of the image (section .image_header, first in the linker script). The module checks
 * signature, revision and architecture before it loads anything. This one file is C, not C++: C lets a static
 * initialiser take a link-time address as an integer, so the entry point and the image size are filled in by
 * the linker with no start-up code (the linker script rejects any dynamic initialisation).
 */
#include <cokernel/boot.h>
#include <stdint.h>

extern char __image_size[]; /* absolute symbol: __image_end - __image_start */
extern void cokernel_entry64(void);

__attribute__((section(".image_header"), used)) const struct cokernel_image_header image_header = {
	.hdr = { .signature = COKERNEL_SIGNATURE,
		 .revision = COKERNEL_BOOT_REVISION,
		 .size = sizeof(struct cokernel_image_header) },
	.arch = COKERNEL_IMAGE_ARCH_X86_64,
	.link_base = 0xffffffff80000000ULL,
	.entry = (uintptr_t)&cokernel_entry64,
	.image_size = (uintptr_t)__image_size,
};

// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Checks of a co-kernel image (image.h). */
#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <string.h>
#endif

#include "image.h"

static int ck_image_fail(const char **why, const char *text)
{
	*why = text;
	return -1;
}

/* PT_LOAD segment i lies inside the file. */
static int ck_segment_in_file(const ck_elf_phdr *ph, ck_u64 size)
{
	return ph->p_offset <= size && ph->p_filesz <= size - ph->p_offset &&
	       ph->p_filesz <= ph->p_memsz;
}

int ck_image_check(const ck_u8 *img, ck_u64 size, const struct cokernel_image_header **header,
		   const char **why)
{
	const ck_elf_ehdr *eh = (const ck_elf_ehdr *)img;
	const struct cokernel_image_header *ih = 0;
	const struct cokernel_trampoline *tr;
	const ck_elf_phdr *ph;
	ck_u64 first_filesz = 0;
	unsigned int i;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64 ||
	    eh->e_type != ET_EXEC || eh->e_phentsize != sizeof(*ph) || eh->e_phoff > size ||
	    eh->e_phnum > (size - eh->e_phoff) / sizeof(*ph))
		return ck_image_fail(why, "the image is not an x86-64 ELF executable");
	if (eh->e_phoff % 8)
		return ck_image_fail(why, "the ELF program headers are misaligned");
	ph = (const ck_elf_phdr *)(img + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (!ck_segment_in_file(&ph[i], size))
			return ck_image_fail(why, "an ELF segment lies outside the file");
		if (ph[i].p_vaddr == COKERNEL_LINK_BASE && ph[i].p_offset % 8 == 0 &&
		    ph[i].p_filesz >= COKERNEL_TRAMPOLINE_OFFSET + sizeof(*tr)) {
			ih = (const struct cokernel_image_header *)(img + ph[i].p_offset);
			first_filesz = ph[i].p_filesz;
		}
	}
	if (!ih || ih->hdr.signature != COKERNEL_SIGNATURE || ih->hdr.size != sizeof(*ih) ||
	    ih->arch != COKERNEL_IMAGE_ARCH_X86_64 || ih->link_base != COKERNEL_LINK_BASE)
		return ck_image_fail(why, "no valid co-kernel image header at the link base");
	if (ih->hdr.revision != COKERNEL_BOOT_REVISION)
		return ck_image_fail(why, "the image speaks another boot revision than the module");
	tr = (const struct cokernel_trampoline *)((const ck_u8 *)ih + COKERNEL_TRAMPOLINE_OFFSET);
	if (tr->hdr.signature != COKERNEL_SIGNATURE || tr->hdr.revision != COKERNEL_BOOT_REVISION ||
	    tr->hdr.size < sizeof(*tr) || tr->hdr.size > 4096 ||
	    tr->hdr.size > first_filesz - COKERNEL_TRAMPOLINE_OFFSET)
		return ck_image_fail(why, "the image's trampoline has a bad header or boot revision");
	if (!ih->image_size || ih->image_size > COKERNEL_IMAGE_WINDOW ||
	    ih->entry < COKERNEL_LINK_BASE || ih->entry - COKERNEL_LINK_BASE >= ih->image_size)
		return ck_image_fail(why, "the image's entry point or size is out of range");
	for (i = 0; i < eh->e_phnum; i++) {
		ck_u64 off;

		if (ph[i].p_type != PT_LOAD)
			continue;
		off = ph[i].p_vaddr - COKERNEL_LINK_BASE;
		if (ph[i].p_vaddr < COKERNEL_LINK_BASE || off > ih->image_size ||
		    ph[i].p_memsz > ih->image_size - off)
			return ck_image_fail(why, "an ELF segment lies outside the image");
	}
	*header = ih;
	return 0;
}

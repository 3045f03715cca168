/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Checks of a co-kernel image before the module loads it: an x86-64 ELF
 * executable whose first PT_LOAD segment at COKERNEL_LINK_BASE starts with
 * struct cokernel_image_header and the trampoline blob, every segment inside
 * the file and inside the image. The bytes come from user space (the
 * COKERNEL_IOC_BOOT caller): nothing here trusts them.
 *
 * Plain C without kernel headers beyond the ELF types, so the same source
 * builds into the module and into the host tests and fuzzer
 * (tests/unit/test_module_image.cpp, tests/fuzz/fuzz_module_image.cpp).
 */
#ifndef COKERNEL_IMAGE_CHECK_H
#define COKERNEL_IMAGE_CHECK_H

#ifdef __KERNEL__
#include <linux/elf.h>
#include <linux/types.h>
typedef struct elf64_hdr ck_elf_ehdr;
typedef struct elf64_phdr ck_elf_phdr;
#else
#include <elf.h>
#include <stddef.h>
#include <stdint.h>
typedef Elf64_Ehdr ck_elf_ehdr;
typedef Elf64_Phdr ck_elf_phdr;
#endif

#include <cokernel/boot.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 0 and *header set, or -1 and *why set to a sentence for the log. */
int ck_image_check(const ck_u8 *img, ck_u64 size, const struct cokernel_image_header **header,
		   const char **why);

#ifdef __cplusplus
}
#endif

#endif /* COKERNEL_IMAGE_CHECK_H */

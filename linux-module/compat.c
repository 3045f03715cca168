// SPDX-License-Identifier: GPL-2.0
/*
 * The module's only uses of Linux interfaces that are not exported or that
 * changed between 6.1 and 6.12 (compat.h says why this file exists). Checked
 * against the sources of Debian's 6.1.192 and 6.12.117 kernels.
 */
#define pr_fmt(fmt) "cokernel: " fmt

#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <asm/apic.h>
#include <asm/realmode.h>

#include "compat.h"

/*
 * real_mode_header (arch/x86/realmode/init.c) is not exported. The usual way
 * to reach an unexported symbol, a kprobe on kallsyms_lookup_name() and then
 * a call through the address the kprobe reports, crashes on 6.2+ kernels
 * built with CONFIG_X86_KERNEL_IBT (Debian's 6.12) on CPUs that enforce IBT:
 * that address lies past the function's ENDBR instruction ("Missing ENDBR").
 * So nothing is called: register_kprobe() looks the name up itself (kallsyms,
 * which has data symbols with CONFIG_KALLSYMS_ALL), stores the address in
 * kp.addr, and only then refuses it with -EINVAL because it is not text
 * (kernel/kprobes.c, register_kprobe(), the same in 6.1 and 6.12); no probe is
 * armed. sprint_symbol() (exported) must then name exactly that symbol at
 * offset 0, so a kernel that stops filling kp.addr on that path, or any other
 * surprise, leaves the symbol unknown: the boot then says so and names the
 * trampoline_phys parameter (trampoline.c) instead of guessing.
 */
static struct real_mode_header **ck_real_mode_header;

static void *ck_data_symbol(const char *name)
{
	struct kprobe kp = { .symbol_name = name };
	char found[KSYM_SYMBOL_LEN], want[64];
	int ret;

	ret = register_kprobe(&kp);
	if (ret == 0) {
		unregister_kprobe(&kp);	/* text, not the data symbol asked for */
		return NULL;
	}
	if (ret != -EINVAL || !kp.addr)
		return NULL;
	sprint_symbol(found, (unsigned long)kp.addr);
	snprintf(want, sizeof(want), "%s+0x0/", name);
	return strncmp(found, want, strlen(want)) == 0 ? (void *)kp.addr : NULL;
}

void ck_compat_init(void)
{
	ck_real_mode_header = ck_data_symbol("real_mode_header");
	if (!ck_real_mode_header)
		pr_info("real_mode_header not found (needs CONFIG_KPROBES and CONFIG_KALLSYMS_ALL): booting an enclave needs the trampoline_phys parameter\n");
}

int ck_linux_trampoline(phys_addr_t *code, phys_addr_t *pgd)
{
	const struct real_mode_header *rmh;

	if (!ck_real_mode_header)
		return -EOPNOTSUPP;
	rmh = READ_ONCE(*ck_real_mode_header);
	if (!rmh)
		return -EOPNOTSUPP;
	*code = rmh->trampoline_start;
	*pgd = rmh->trampoline_pgd;
	return 0;
}

/*
 * apic_icr_write() and apic_wait_icr_idle() became static calls in 6.6 (the
 * x86 APIC rework), and modules may call only the static calls Linux exports
 * (send_IPI_mask, send_IPI_self), none of which sends INIT or SIPI. The driver
 * structure behind them, apic (exported, GPL), still has the same two
 * callbacks, and Linux updates them with the static calls
 * (apic_update_callback()), so this is the same code on 6.1 and 6.12. x2APIC
 * has no delivery status: its safe_wait_icr_idle is NULL on 6.12.
 */
void ck_apic_send(u32 low, u32 apicid)
{
	unsigned long flags;

	local_irq_save(flags);
	apic->icr_write(low, apicid);
	if (apic->safe_wait_icr_idle)
		apic->safe_wait_icr_idle();
	local_irq_restore(flags);
}

/* apic->dest_mode_logical: since 5.11 (was irq_dest_mode), unchanged to 6.12. */
bool ck_apic_dest_logical(void)
{
	return apic->dest_mode_logical;
}

/* vm_flags became read-only in 6.3 (per-VMA locks): vm_flags_set()/vm_flags_clear() from then on. */
void ck_vma_flags(struct vm_area_struct *vma, unsigned long set, unsigned long clear)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, set);
	if (clear)
		vm_flags_clear(vma, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

/* pin_user_pages_remote() lost its vmas argument in 6.5. */
long ck_pin_user_pages_remote(struct mm_struct *mm, unsigned long start, unsigned long npages,
			      unsigned int gup_flags, struct page **pages)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	return pin_user_pages_remote(mm, start, npages, gup_flags, pages, NULL);
#else
	return pin_user_pages_remote(mm, start, npages, gup_flags, pages, NULL, NULL);
#endif
}

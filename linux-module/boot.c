// SPDX-License-Identifier: GPL-2.0
/*
 * Boot an enclave: load the co-kernel ELF into the enclave's first memory
 * range, write the boot parameters, console ring and control block after it,
 * build the boot page tables, start every CPU through the trampoline and wait
 * (bounded, interruptible) for the co-kernel to report up. Layout and
 * protocol: docs/boot-protocol.md.
 *
 * Enclave memory is offline but stays in Linux's direct map, so memremap()
 * (which returns the direct-map address for RAM) reaches it.
 */
#define pr_fmt(fmt) "cokernel: " fmt

#include <linux/delay.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/apic.h>
#include <asm/tsc.h>

#include "boot.h"
#include "cokernel.h"
#include "image.h"

#define CK_PT_PAGES 64u
#define CK_BOOT_TIMEOUT_MS 10000u
#define CK_CPU_TIMEOUT_MS 5000u
#define CK_STOP_TIMEOUT_MS 200u

bool ck_boot_panicked(const struct ck_boot *b)
{
	return READ_ONCE(b->ctl->state) == COKERNEL_CK_PANIC;
}

static void ck_fill_params(struct ck_enclave *e, struct ck_boot *b,
			   const struct cokernel_image_header *ih,
			   const struct cokernel_boot *req, u64 free_phys)
{
	struct cokernel_boot_params *bp = b->bp;
	u32 i;

	bp->hdr.signature = COKERNEL_SIGNATURE;
	bp->hdr.revision = COKERNEL_BOOT_REVISION;
	bp->hdr.size = sizeof(*bp);
	bp->enclave_id = e->id;
	bp->ncpus = e->ncpus;
	bp->nranges = e->nranges;
	bp->apic_mode = x2apic_mode ? COKERNEL_APIC_X2APIC : COKERNEL_APIC_XAPIC;
	bp->tsc_khz = tsc_khz;
	bp->image_phys = e->ranges[0].start;
	bp->image_size = ih->image_size;
	bp->free_phys = free_phys;
	bp->console_phys = b->area_phys + ((u8 *)b->con - (u8 *)b->area);
	bp->control_phys = b->area_phys + ((u8 *)b->ctl - (u8 *)b->area);
	bp->apic_phys = APIC_DEFAULT_PHYS_BASE;
	for (i = 0; i < e->ncpus; i++) {
		bp->cpus[i].linux_cpu = e->cpus[i];
		bp->cpus[i].apic_id = per_cpu(x86_cpu_to_apicid, e->cpus[i]);
	}
	memcpy(bp->ranges, e->ranges, sizeof(bp->ranges[0]) * e->nranges);
	strscpy(bp->cmdline, req->cmdline, sizeof(bp->cmdline));

	b->con->hdr.signature = COKERNEL_SIGNATURE;
	b->con->hdr.revision = COKERNEL_BOOT_REVISION;
	b->con->hdr.size = sizeof(*b->con);
	b->con->size = COKERNEL_CONSOLE_DATA_SIZE;

	b->ctl->hdr.signature = COKERNEL_SIGNATURE;
	b->ctl->hdr.revision = COKERNEL_BOOT_REVISION;
	b->ctl->hdr.size = sizeof(*b->ctl);
	b->ctl->state = COKERNEL_CK_BOOTING;
	b->ctl->linux_vector = bp->linux_vector;
	b->ctl->linux_apic_id = bp->linux_apic_id;
	b->ctl->linux_dest_mode = ck_linux_dest_mode();
}

static void ck_boot_free(struct ck_boot *b)
{
	if (b->area)
		memunmap(b->area);
	if (b->irq_held)
		ck_notify_put();
	kfree(b);
}

/* Publishes or withdraws e->boot for readers that hold only state_lock. */
static void ck_boot_publish(struct ck_enclave *e, struct ck_boot *b, u32 state)
{
	spin_lock(&e->state_lock);
	e->boot = b;
	e->state = state;
	spin_unlock(&e->state_lock);
}

/* Waits for the co-kernel to leave BOOTING: 0, -ETIMEDOUT or -EINTR. */
static int ck_wait_up(struct ck_boot *b, unsigned int timeout_ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(timeout_ms);

	while (READ_ONCE(b->ctl->state) == COKERNEL_CK_BOOTING) {
		if (signal_pending(current))
			return -EINTR;
		if (time_after(jiffies, end))
			break;
		usleep_range(500, 2000);
	}
	return READ_ONCE(b->ctl->state) == COKERNEL_CK_UP ? 0 : -ETIMEDOUT;
}

/* The layout of the first range: image, boot params, control, console, boot
 * stacks, page tables; the rest is the co-kernel's. */
struct ck_boot_layout {
	u64 bp, ctl, con, stacks, pt, end;
};

static void ck_boot_layout(const struct ck_enclave *e, const struct cokernel_image_header *ih,
			   struct ck_boot_layout *l)
{
	l->bp = PAGE_ALIGN(ih->image_size);
	l->ctl = l->bp + PAGE_SIZE;
	l->con = l->ctl + PAGE_SIZE;
	l->stacks = l->con + PAGE_ALIGN(sizeof(struct cokernel_console) + COKERNEL_CONSOLE_DATA_SIZE);
	l->pt = l->stacks + (u64)e->ncpus * COKERNEL_BOOT_STACK_SIZE;
	l->end = l->pt + (u64)CK_PT_PAGES * PAGE_SIZE;
}

static struct ck_boot *ck_boot_load(struct ck_enclave *e, const u8 *img,
				    const struct cokernel_image_header *ih,
				    const struct ck_boot_layout *l)
{
	const ck_elf_ehdr *eh = (const void *)img;
	const ck_elf_phdr *ph = (const void *)(img + eh->e_phoff);
	struct ck_boot *b;
	u32 i;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return NULL;
	b->area_phys = e->ranges[0].start;
	b->area_size = l->end;
	b->area = memremap(b->area_phys, b->area_size, MEMREMAP_WB);
	if (!b->area) {
		pr_err("boot: cannot map enclave memory at %#llx\n", b->area_phys);
		kfree(b);
		return NULL;
	}
	memset(b->area, 0, b->area_size);
	b->bp = b->area + l->bp;
	b->ctl = b->area + l->ctl;
	b->con = b->area + l->con;
	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD)
			memcpy(b->area + (ph[i].p_vaddr - COKERNEL_LINK_BASE),
			       img + ph[i].p_offset, ph[i].p_filesz);
	return b;
}

/* Everything after the image is checked; e->lock held, the enclave partitioned. */
static int ck_boot_locked(struct ck_enclave *e, const struct cokernel_boot *req, const u8 *img,
			  const struct cokernel_image_header *ih)
{
	struct ck_boot_layout l;
	struct ck_boot *b;
	struct ck_pt pt;
	int ret;

	ck_boot_layout(e, ih, &l);
	/* The co-kernel's part of the enclave: jobs get everything after it (job.h). */
	if (l.end > COKERNEL_KERNEL_RESERVE || l.end > e->ranges[0].size) {
		pr_info("boot: enclave %d: the image and its boot area (%llu KiB) do not fit the co-kernel's %llu MiB\n",
			e->id, l.end >> 10, COKERNEL_KERNEL_RESERVE >> 20);
		return -ENOSPC;
	}
	b = ck_boot_load(e, img, ih, &l);
	if (!b)
		return -ENOMEM;
	ret = ck_notify_hold();
	if (ret) {
		pr_warn("boot: enclave %d: no notification IRQ (%d); Linux polls for answers\n",
			e->id, ret);
	} else {
		b->irq_held = true;
		ck_notify_get(&b->bp->linux_vector, &b->bp->linux_apic_id);
	}
	ck_fill_params(e, b, ih, req, b->area_phys + l.end);
	pt.va = b->area + l.pt;
	pt.pa = b->area_phys + l.pt;
	pt.npages = CK_PT_PAGES;
	ret = ck_build_page_tables(e, &pt, b->bp->apic_phys);
	if (ret) {
		ck_boot_free(b);
		return ret;
	}

	ck_boot_publish(e, b, COKERNEL_STATE_BOOTING);
	mb();	/* everything the co-kernel reads is written before a CPU starts */
	ret = ck_cpus_start(e, b, ih, pt.pa, b->area_phys + l.stacks, CK_CPU_TIMEOUT_MS);
	if (!ret) {
		ret = ck_wait_up(b, req->timeout_ms ? req->timeout_ms : CK_BOOT_TIMEOUT_MS);
		if (ret)
			ck_cpus_stop(e);
		if (ret == -ETIMEDOUT)
			pr_err("boot: enclave %d: the co-kernel did not report up (state %u); see its console\n",
			       e->id, READ_ONCE(b->ctl->state));
	}
	if (ret == -EINTR) {
		/* A signal: as if nothing happened, the enclave can boot again. */
		pr_info("boot: enclave %d: interrupted by a signal; its CPUs are stopped\n", e->id);
		ck_boot_publish(e, NULL, COKERNEL_STATE_PARTITIONED);
		ck_boot_free(b);
		return ret;
	}
	if (ret) {
		/* Keep the console for `cokernel console`; destroy reclaims everything. */
		ck_enclave_set_state(e, COKERNEL_STATE_FAILED);
		return ret;
	}
	ck_enclave_set_state(e, COKERNEL_STATE_RUNNING);
	pr_info("enclave %d booted: %u CPU(s) up\n", e->id, e->ncpus);
	return 0;
}

int ck_boot_enclave(struct ck_enclave *e, const struct cokernel_boot *req)
{
	const struct cokernel_image_header *ih;
	const char *why;
	u8 *img;
	int ret;

	/* User memory is read before e->lock is taken (mmap_lock nests outside it). */
	img = vmalloc(req->image_size);
	if (!img)
		return -ENOMEM;
	if (copy_from_user(img, u64_to_user_ptr(req->image), req->image_size)) {
		ret = -EFAULT;
		goto out;
	}
	if (ck_image_check(img, req->image_size, &ih, &why)) {
		pr_err("boot: %s\n", why);
		ret = -ENOEXEC;
		goto out;
	}
	ret = mutex_lock_killable(&e->lock);
	if (ret)
		goto out;
	if (e->boot || ck_enclave_state(e) != COKERNEL_STATE_PARTITIONED) {
		pr_info("boot: enclave %d is %s, not partitioned\n", e->id,
			cokernel_state_name(ck_enclave_state(e)));
		ret = -EBUSY;
	} else {
		ret = ck_boot_locked(e, req, img, ih);
	}
	mutex_unlock(&e->lock);
out:
	vfree(img);
	return ret;
}

void ck_boot_teardown(struct ck_enclave *e)
{
	struct ck_boot *b = e->boot;
	s32 result;

	if (!b)
		return;
	if (ck_enclave_state(e) == COKERNEL_STATE_RUNNING &&
	    ck_send_command(e, COKERNEL_CMD_STOP, 0, CK_STOP_TIMEOUT_MS, false, &result, NULL))
		pr_info("enclave %d did not answer the stop request within %u ms; stopping its CPUs anyway\n",
			e->id, CK_STOP_TIMEOUT_MS);
	ck_cpus_stop(e);
	spin_lock(&e->state_lock);
	e->boot = NULL;
	spin_unlock(&e->state_lock);
	ck_boot_free(b);
}

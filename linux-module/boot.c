// SPDX-License-Identifier: GPL-2.0
/*
 * Boot an enclave: load the co-kernel ELF into the enclave's first memory
 * range, write the boot parameters, console ring and control block after it,
 * build the boot page tables, start every CPU through the trampoline and wait
 * (bounded) for the co-kernel to report up.  Layout and protocol:
 * docs/boot-protocol.md.
 *
 * Enclave memory is offline but stays in Linux's direct map, so memremap()
 * (which returns the direct-map address for RAM) reaches it.
 */
#define pr_fmt(fmt) "cokernel: " fmt

#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/elf.h>
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/vmalloc.h>
#include <asm/apic.h>
#include <asm/tsc.h>

#include "boot.h"
#include "cokernel.h"

#define CK_IMAGE_MAX (64u << 20)
#define CK_PT_PAGES 64u
#define CK_BOOT_TIMEOUT_MS 10000u
#define CK_CPU_TIMEOUT_MS 5000u
#define CK_STOP_TIMEOUT_MS 200u
#define CK_CMD_TIMEOUT_MS 2000u

#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_PS (1ULL << 7)
#define SZ_2M_ULL (2ULL << 20)

struct ck_boot {
	void *area;		/* ranges[0].start .. free_phys, mapped */
	u64 area_phys;
	u64 area_size;
	struct cokernel_boot_params *bp;
	struct cokernel_control *ctl;
	struct cokernel_console *con;
	bool irq_held;
};

/* Page-table pages come from a pool in the module area. */
struct ck_pt {
	u8 *va;
	u64 pa;
	u32 used;
};

static u64 *ck_pt_child(struct ck_pt *pt, u64 *table, unsigned int idx)
{
	u64 *child;

	if (table[idx] & PTE_P)
		return (u64 *)(pt->va + ((table[idx] & PAGE_MASK & ~(1ULL << 63)) - pt->pa));
	if (pt->used == CK_PT_PAGES)
		return NULL;
	child = (u64 *)(pt->va + (u64)pt->used * PAGE_SIZE);
	table[idx] = (pt->pa + (u64)pt->used * PAGE_SIZE) | PTE_P | PTE_W;
	pt->used++;
	return child;
}

/* Maps one 2 MiB page: virt -> phys with the given extra flags. */
static int ck_pt_map_2m(struct ck_pt *pt, u64 virt, u64 phys, u64 flags)
{
	u64 *pml4 = (u64 *)pt->va, *pdpt, *pd;

	pdpt = ck_pt_child(pt, pml4, (virt >> 39) & 511);
	pd = pdpt ? ck_pt_child(pt, pdpt, (virt >> 30) & 511) : NULL;
	if (!pd) {
		pr_err("boot: out of page-table pages (%u)\n", CK_PT_PAGES);
		return -ENOMEM;
	}
	pd[(virt >> 21) & 511] = phys | PTE_P | PTE_W | PTE_PS | flags;
	return 0;
}

static int ck_build_page_tables(struct ck_enclave *e, struct ck_pt *pt,
				u64 apic_phys)
{
	u64 window = min_t(u64, e->ranges[0].size, COKERNEL_IMAGE_WINDOW);
	u64 off;
	u32 i;
	int ret;

	pt->used = 1; /* the PML4 */
	/* Identity map of the first 2 MiB: the trampoline runs there while it
	 * turns paging on. */
	ret = ck_pt_map_2m(pt, 0, 0, 0);
	for (off = 0; !ret && off < window; off += SZ_2M_ULL)
		ret = ck_pt_map_2m(pt, COKERNEL_LINK_BASE + off,
				   e->ranges[0].start + off, 0);
	for (i = 0; !ret && i < e->nranges; i++)
		for (off = 0; !ret && off < e->ranges[i].size; off += SZ_2M_ULL)
			ret = ck_pt_map_2m(pt, COKERNEL_PHYSMAP_BASE + e->ranges[i].start + off,
					   e->ranges[i].start + off, 0);
	if (!ret)
		ret = ck_pt_map_2m(pt, COKERNEL_APIC_VIRT, apic_phys & ~(SZ_2M_ULL - 1),
				   PTE_PCD | PTE_PWT);
	return ret;
}

/* Checks the ELF file and its image header; returns the header or NULL. */
static const struct cokernel_image_header *ck_check_image(const u8 *img, u64 size)
{
	const struct elf64_hdr *eh = (const void *)img;
	const struct elf64_phdr *ph;
	const struct cokernel_image_header *ih = NULL;
	const struct cokernel_trampoline *tr;
	u64 first_filesz = 0;
	u32 i;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64 ||
	    eh->e_type != ET_EXEC || eh->e_phentsize != sizeof(*ph) ||
	    eh->e_phoff > size || eh->e_phnum > (size - eh->e_phoff) / sizeof(*ph)) {
		pr_err("boot: the image is not an x86-64 ELF executable\n");
		return NULL;
	}
	ph = (const void *)(img + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_offset > size || ph[i].p_filesz > size - ph[i].p_offset ||
		    ph[i].p_filesz > ph[i].p_memsz) {
			pr_err("boot: ELF segment %u lies outside the file\n", i);
			return NULL;
		}
		if (ph[i].p_vaddr == COKERNEL_LINK_BASE &&
		    ph[i].p_filesz >= COKERNEL_TRAMPOLINE_OFFSET + sizeof(*tr)) {
			ih = (const void *)(img + ph[i].p_offset);
			first_filesz = ph[i].p_filesz;
		}
	}
	if (!ih || ih->hdr.signature != COKERNEL_SIGNATURE ||
	    ih->hdr.size != sizeof(*ih) || ih->arch != COKERNEL_IMAGE_ARCH_X86_64 ||
	    ih->link_base != COKERNEL_LINK_BASE) {
		pr_err("boot: no valid co-kernel image header at %#llx\n", COKERNEL_LINK_BASE);
		return NULL;
	}
	if (ih->hdr.revision != COKERNEL_ABI_REVISION) {
		pr_err("boot: image ABI revision %u, module speaks %u\n",
		       ih->hdr.revision, COKERNEL_ABI_REVISION);
		return NULL;
	}
	tr = (const void *)((const u8 *)ih + COKERNEL_TRAMPOLINE_OFFSET);
	if (tr->hdr.signature != COKERNEL_SIGNATURE ||
	    tr->hdr.revision != COKERNEL_BOOT_REVISION ||
	    tr->hdr.size < sizeof(*tr) || tr->hdr.size > PAGE_SIZE ||
	    COKERNEL_TRAMPOLINE_OFFSET + tr->hdr.size > first_filesz) {
		pr_err("boot: image trampoline: bad header or boot revision %u (module speaks %u)\n",
		       tr->hdr.revision, COKERNEL_BOOT_REVISION);
		return NULL;
	}
	if (ih->entry < COKERNEL_LINK_BASE || ih->entry >= COKERNEL_LINK_BASE + ih->image_size ||
	    !ih->image_size || ih->image_size > COKERNEL_IMAGE_WINDOW) {
		pr_err("boot: image entry point or size out of range\n");
		return NULL;
	}
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_vaddr < COKERNEL_LINK_BASE ||
		    ph[i].p_vaddr - COKERNEL_LINK_BASE > ih->image_size ||
		    ph[i].p_memsz > ih->image_size - (ph[i].p_vaddr - COKERNEL_LINK_BASE)) {
			pr_err("boot: ELF segment %u lies outside the image\n", i);
			return NULL;
		}
	}
	return ih;
}

/* How Linux's APIC driver addresses IRQ destinations (logical in flat mode). */
u32 ck_linux_dest_mode(void)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
	bool logical = apic->irq_dest_mode != 0;
#else
	bool logical = apic->dest_mode_logical;
#endif
	return logical ? COKERNEL_DEST_LOGICAL : COKERNEL_DEST_PHYSICAL;
}

static void ck_send_icr(u32 low, u32 apicid)
{
	unsigned long flags;

	local_irq_save(flags);
	apic_icr_write(low, apicid);
	safe_apic_wait_icr_idle();
	local_irq_restore(flags);
}

/* INIT (assert, deassert): the CPU stops whatever it does and waits for a SIPI. */
static void ck_cpu_init(u32 apicid)
{
	ck_send_icr(APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT, apicid);
	udelay(200);
	ck_send_icr(APIC_INT_LEVELTRIG | APIC_DM_INIT, apicid);
	udelay(200);
}

static void ck_cpu_start(u32 apicid, phys_addr_t code)
{
	int i;

	ck_cpu_init(apicid);
	mdelay(10);
	for (i = 0; i < 2; i++) {
		ck_send_icr(APIC_DM_STARTUP | (code >> PAGE_SHIFT), apicid);
		udelay(300);
	}
}

static u32 ck_apicid(u32 cpu)
{
	return per_cpu(x86_cpu_to_apicid, cpu);
}

static void ck_init_all_cpus(struct ck_enclave *e)
{
	u32 i;

	for (i = 0; i < e->ncpus; i++)
		ck_cpu_init(ck_apicid(e->cpus[i]));
}

/* Waits for cpu_state[idx] to reach at least @state; false on timeout. */
static bool ck_wait_cpu(struct ck_boot *b, u32 idx, u32 state, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	while (READ_ONCE(b->ctl->cpu_state[idx]) < state) {
		if (time_after(jiffies, end))
			return false;
		usleep_range(200, 1000);
	}
	return true;
}

/* Starts every CPU of @e, one after the other; 0 or the failure. */
static int ck_start_cpus(struct ck_enclave *e, struct ck_boot *b,
			 const struct cokernel_image_header *ih,
			 const u8 *tr_blob, u64 pml4_phys, u64 stacks_phys)
{
	struct ck_lowmem lm;
	struct cokernel_trampoline *tr;
	u32 i;
	int ret;

	cpus_read_lock();	/* no Linux CPU bring-up while the low pages are ours */
	ret = ck_lowmem_acquire(&lm);
	if (ret)
		goto out_unlock;
	tr = lm.code;
	memcpy(lm.code, tr_blob, ((const struct cokernel_trampoline *)tr_blob)->hdr.size);
	memcpy(lm.pgd, b->area + (pml4_phys - b->area_phys), PAGE_SIZE);
	for (i = 0; i < e->ncpus; i++) {
		u32 apicid = ck_apicid(e->cpus[i]);

		tr->cr3 = lm.pgd_phys;
		tr->cpu_index = i;
		tr->kernel_cr3 = pml4_phys;
		tr->entry = ih->entry;
		tr->stack_top = COKERNEL_PHYSMAP_BASE + stacks_phys +
				(u64)(i + 1) * COKERNEL_BOOT_STACK_SIZE;
		tr->boot_params = COKERNEL_PHYSMAP_BASE + b->area_phys +
				  ((u8 *)b->bp - (u8 *)b->area);
		WRITE_ONCE(tr->started, 0);
		wmb();	/* the trampoline fields before the CPU can run */
		ck_cpu_start(apicid, lm.code_phys);
		if (!ck_wait_cpu(b, i, COKERNEL_CPU_UP, CK_CPU_TIMEOUT_MS)) {
			u32 st = READ_ONCE(b->ctl->cpu_state[i]);

			pr_err("boot: enclave %d: CPU %u (APIC ID %u) %s within %u ms\n",
			       e->id, e->cpus[i], apicid,
			       !READ_ONCE(tr->started) ? "never ran the trampoline" :
			       st == COKERNEL_CPU_OFF ? "ran the trampoline but never reached the co-kernel" :
			       "reached the co-kernel but did not report up (see its console)",
			       CK_CPU_TIMEOUT_MS);
			ret = -ETIMEDOUT;
			break;
		}
	}
	if (ret)
		ck_init_all_cpus(e);	/* nobody may still run the low page */
	ck_lowmem_release(&lm);
out_unlock:
	cpus_read_unlock();
	return ret;
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
		bp->cpus[i].apic_id = ck_apicid(e->cpus[i]);
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

int ck_boot_enclave(struct ck_enclave *e, const struct cokernel_boot *req)
{
	const struct cokernel_image_header *ih;
	const struct elf64_hdr *eh;
	const struct elf64_phdr *ph;
	struct ck_boot *b;
	struct ck_pt pt;
	u64 image_end, off, bp_off, ctl_off, con_off, stacks_off, pt_off;
	unsigned long end;
	u8 *img;
	u32 i;
	int ret;

	if (e->boot || e->state != COKERNEL_STATE_PARTITIONED) {
		pr_info("boot: enclave %d is %s, not partitioned\n", e->id, cokernel_state_name(e->state));
		return -EBUSY;
	}
	if (!req->image_size || req->image_size > CK_IMAGE_MAX) {
		pr_info("boot: image size %llu, must be 1..%u bytes\n", req->image_size, CK_IMAGE_MAX);
		return -EINVAL;
	}
	if (strnlen(req->cmdline, sizeof(req->cmdline)) == sizeof(req->cmdline)) {
		pr_info("boot: command line not NUL-terminated\n");
		return -EINVAL;
	}
	img = vmalloc(req->image_size);
	if (!img)
		return -ENOMEM;
	if (copy_from_user(img, u64_to_user_ptr(req->image), req->image_size)) {
		ret = -EFAULT;
		goto out_img;
	}
	ih = ck_check_image(img, req->image_size);
	if (!ih) {
		ret = -ENOEXEC;
		goto out_img;
	}

	/* Layout of the first range: image, boot params, control, console,
	 * boot stacks, page tables; the rest is the co-kernel's. */
	image_end = PAGE_ALIGN(ih->image_size);
	bp_off = image_end;
	ctl_off = bp_off + PAGE_SIZE;
	con_off = ctl_off + PAGE_SIZE;
	stacks_off = con_off + PAGE_ALIGN(sizeof(struct cokernel_console) + COKERNEL_CONSOLE_DATA_SIZE);
	pt_off = stacks_off + (u64)e->ncpus * COKERNEL_BOOT_STACK_SIZE;
	off = pt_off + (u64)CK_PT_PAGES * PAGE_SIZE;
	if (off > e->ranges[0].size) {
		pr_info("boot: enclave %d: the first memory range is too small for the image\n", e->id);
		ret = -ENOSPC;
		goto out_img;
	}

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b) {
		ret = -ENOMEM;
		goto out_img;
	}
	b->area_phys = e->ranges[0].start;
	b->area_size = off;
	b->area = memremap(b->area_phys, b->area_size, MEMREMAP_WB);
	if (!b->area) {
		pr_err("boot: cannot map enclave memory at %#llx\n", b->area_phys);
		kfree(b);
		ret = -ENOMEM;
		goto out_img;
	}
	memset(b->area, 0, b->area_size);
	b->bp = b->area + bp_off;
	b->ctl = b->area + ctl_off;
	b->con = b->area + con_off;

	eh = (const void *)img;
	ph = (const void *)(img + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD)
			memcpy(b->area + (ph[i].p_vaddr - COKERNEL_LINK_BASE),
			       img + ph[i].p_offset, ph[i].p_filesz);

	ret = ck_notify_hold();
	if (ret) {
		pr_warn("boot: enclave %d: no notification IRQ (%d); Linux polls for answers\n",
			e->id, ret);
	} else {
		b->irq_held = true;
		ck_notify_get(&b->bp->linux_vector, &b->bp->linux_apic_id);
	}
	ck_fill_params(e, b, ih, req, b->area_phys + off);

	pt.va = b->area + pt_off;
	pt.pa = b->area_phys + pt_off;
	ret = ck_build_page_tables(e, &pt, b->bp->apic_phys);
	if (ret)
		goto out_free;

	e->state = COKERNEL_STATE_BOOTING;
	e->boot = b;
	mb();	/* everything the co-kernel reads is written before a CPU starts */
	ret = ck_start_cpus(e, b, ih, (const u8 *)ih + COKERNEL_TRAMPOLINE_OFFSET,
			    pt.pa, b->area_phys + stacks_off);
	if (ret)
		goto out_failed;

	end = jiffies + msecs_to_jiffies(req->timeout_ms ? req->timeout_ms : CK_BOOT_TIMEOUT_MS);
	while (READ_ONCE(b->ctl->state) == COKERNEL_CK_BOOTING && !time_after(jiffies, end))
		usleep_range(500, 2000);
	if (READ_ONCE(b->ctl->state) != COKERNEL_CK_UP) {
		pr_err("boot: enclave %d: the co-kernel did not report up (state %u); see its console\n",
		       e->id, READ_ONCE(b->ctl->state));
		ck_init_all_cpus(e);
		ret = -ETIMEDOUT;
		goto out_failed;
	}
	e->state = COKERNEL_STATE_RUNNING;
	vfree(img);
	pr_info("enclave %d booted: %u CPU(s) up\n", e->id, e->ncpus);
	return 0;

out_failed:
	/* Keep the console for `cokernel console`; destroy reclaims everything. */
	e->state = COKERNEL_STATE_FAILED;
	vfree(img);
	return ret;
out_free:
	ck_boot_free(b);
out_img:
	vfree(img);
	return ret;
}

void ck_boot_update_state(struct ck_enclave *e)
{
	struct ck_boot *b = e->boot;

	if (!b || e->state != COKERNEL_STATE_RUNNING)
		return;
	if (READ_ONCE(b->ctl->state) == COKERNEL_CK_PANIC) {
		e->state = COKERNEL_STATE_FAILED;
		pr_info("enclave %d failed: the co-kernel panicked (cokernel console %d)\n",
			e->id, e->id);
	}
}

/* Sends one command and waits for its answer; 0 and the result, or -ETIMEDOUT. */
static int ck_send_command(struct ck_enclave *e, u32 cmd, u64 arg, unsigned int timeout_ms,
			   s32 *result, u64 *ns)
{
	struct ck_boot *b = e->boot;
	struct cokernel_control *c = b->ctl;
	u32 seq = READ_ONCE(c->req_seq) + 1;
	u32 vector = 0, apic_id = 0;
	unsigned long seen;
	u64 t0, deadline;

	if (b->irq_held && !ck_notify_get(&vector, &apic_id)) {
		WRITE_ONCE(c->linux_apic_id, apic_id);
		WRITE_ONCE(c->linux_dest_mode, ck_linux_dest_mode());
		WRITE_ONCE(c->linux_vector, vector);
	}
	WRITE_ONCE(c->cmd, cmd);
	WRITE_ONCE(c->arg, arg);
	smp_wmb();	/* cmd and arg before the sequence number */
	WRITE_ONCE(c->req_seq, seq);
	mb();		/* the request before the doorbell */
	seen = ck_notify_count();
	t0 = ktime_get_ns();
	deadline = t0 + (u64)timeout_ms * NSEC_PER_MSEC;
	ck_send_icr(APIC_DM_FIXED | COKERNEL_IPI_VECTOR, ck_apicid(e->cpus[0]));
	while (READ_ONCE(c->resp_seq) != seq) {
		if (ktime_get_ns() > deadline)
			return -ETIMEDOUT;
		if (b->irq_held) {
			ck_notify_wait(seen, 1000);
			seen = ck_notify_count();
		} else {
			cpu_relax();
		}
	}
	if (ns)
		*ns = ktime_get_ns() - t0;
	smp_rmb();	/* resp_seq before result */
	*result = READ_ONCE(c->result);
	return 0;
}

int ck_boot_command(struct ck_enclave *e, struct cokernel_command *c)
{
	int ret;

	ck_boot_update_state(e);
	if (!e->boot || e->state != COKERNEL_STATE_RUNNING) {
		pr_info("command: enclave %d is %s, not running\n", e->id, cokernel_state_name(e->state));
		return -ESRCH;
	}
	if (c->cmd != COKERNEL_CMD_PING && c->cmd != COKERNEL_CMD_FAULT) {
		pr_info("command: unknown command %u\n", c->cmd);
		return -EINVAL;
	}
	if (c->cmd == COKERNEL_CMD_FAULT &&
	    (c->arg < COKERNEL_FAULT_PANIC || c->arg > COKERNEL_FAULT_STACK)) {
		pr_info("command: unknown fault kind %llu\n", c->arg);
		return -EINVAL;
	}
	ret = ck_send_command(e, c->cmd, c->arg, CK_CMD_TIMEOUT_MS, &c->result, &c->latency_ns);
	if (ret == -ETIMEDOUT) {
		pr_err("enclave %d failed: no answer to command %u within %u ms\n",
		       e->id, c->cmd, CK_CMD_TIMEOUT_MS);
		e->state = COKERNEL_STATE_FAILED;
		return ret;
	}
	if (c->cmd == COKERNEL_CMD_FAULT) {
		msleep(20);	/* let it fault and say so */
		if (READ_ONCE(e->boot->ctl->state) == COKERNEL_CK_PANIC)
			ck_boot_update_state(e);
	}
	return ret;
}

/* Commands of the job path (job.c): the doorbell (PING) and JOB_END. */
int ck_boot_job_command(struct ck_enclave *e, u32 cmd)
{
	s32 result;
	int ret;

	ck_boot_update_state(e);
	if (!e->boot || e->state != COKERNEL_STATE_RUNNING)
		return -ESRCH;
	ret = ck_send_command(e, cmd, 0, CK_CMD_TIMEOUT_MS, &result, NULL);
	if (ret == -ETIMEDOUT) {
		pr_err("enclave %d failed: no answer to command %u within %u ms\n",
		       e->id, cmd, CK_CMD_TIMEOUT_MS);
		e->state = COKERNEL_STATE_FAILED;
	}
	return ret;
}

void ck_boot_teardown(struct ck_enclave *e)
{
	struct ck_boot *b = e->boot;
	s32 result;

	if (!b)
		return;
	if (e->state == COKERNEL_STATE_RUNNING &&
	    ck_send_command(e, COKERNEL_CMD_STOP, 0, CK_STOP_TIMEOUT_MS, &result, NULL))
		pr_info("enclave %d did not answer the stop request within %u ms; stopping its CPUs anyway\n",
			e->id, CK_STOP_TIMEOUT_MS);
	ck_init_all_cpus(e);
	e->boot = NULL;
	ck_boot_free(b);
}

int ck_boot_console_read(struct ck_enclave *e, struct cokernel_console_read *r)
{
	struct cokernel_console *con;
	u64 head, reserve, size, pos = r->pos, lost = 0, n, bad, i;
	const u8 *data;
	u8 *buf;
	int ret = 0;

	ck_boot_update_state(e);
	r->state = e->state;
	if (!e->boot) {
		r->len = 0;
		r->lost = 0;
		return 0;	/* not booted: an empty console */
	}
	con = e->boot->con;
	data = (const u8 *)(con + 1);
	size = COKERNEL_CONSOLE_DATA_SIZE;	/* never trust the shared copy */
	n = min_t(u64, r->len, 1u << 20);
	buf = kvmalloc(max_t(u64, n, 1), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	/* The reader of cokernel/lib/console_ring.hpp, in C. */
	head = smp_load_acquire(&con->head);
	if (pos > head)
		pos = head;
	if (head - pos > size) {
		lost = head - size - pos;
		pos = head - size;
	}
	n = min(n, head - pos);
	for (i = 0; i < n; i++)
		buf[i] = READ_ONCE(data[(pos + i) & (size - 1)]);
	smp_rmb();	/* the bytes before the reservation that may have overwritten them */
	reserve = READ_ONCE(con->reserve);
	if (reserve > size && pos < reserve - size) {
		bad = min(reserve - size - pos, n);
		memmove(buf, buf + bad, n - bad);
		lost += bad;
		pos += bad;
		n -= bad;
	}
	if (n && copy_to_user(u64_to_user_ptr(r->buf), buf, n))
		ret = -EFAULT;
	kvfree(buf);
	r->len = n;
	r->pos = pos + n;
	r->lost = lost;
	return ret;
}

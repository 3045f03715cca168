// SPDX-License-Identifier: GPL-2.0
/*
 * Starting and stopping enclave CPUs through the local APIC: INIT, INIT
 * deassert, SIPI, SIPI to the low page of trampoline.c, one CPU after the
 * other; INIT alone stops a CPU whatever it runs. Also the command doorbell
 * (a fixed IPI to the co-kernel's first CPU) and how Linux addresses its own
 * IRQ destinations.
 */
#define pr_fmt(fmt) "cokernel: " fmt

#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <asm/apic.h>

#include "boot.h"
#include "cokernel.h"
#include "compat.h"

/* How Linux's APIC driver addresses IRQ destinations (logical in flat mode). */
u32 ck_linux_dest_mode(void)
{
	return ck_apic_dest_logical() ? COKERNEL_DEST_LOGICAL : COKERNEL_DEST_PHYSICAL;
}

static u32 ck_apicid(u32 cpu)
{
	return per_cpu(x86_cpu_to_apicid, cpu);
}

/* INIT (assert, deassert): the CPU stops whatever it does and waits for a SIPI. */
static void ck_cpu_init(u32 apicid)
{
	ck_apic_send(APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT, apicid);
	udelay(200);
	ck_apic_send(APIC_INT_LEVELTRIG | APIC_DM_INIT, apicid);
	udelay(200);
}

static void ck_cpu_sipi(u32 apicid, phys_addr_t code)
{
	int i;

	ck_cpu_init(apicid);
	mdelay(10);
	for (i = 0; i < 2; i++) {
		ck_apic_send(APIC_DM_STARTUP | (code >> PAGE_SHIFT), apicid);
		udelay(300);
	}
}

void ck_cpus_stop(const struct ck_enclave *e)
{
	u32 i;

	for (i = 0; i < e->ncpus; i++)
		ck_cpu_init(ck_apicid(e->cpus[i]));
}

void ck_cpu_doorbell(const struct ck_enclave *e)
{
	ck_apic_send(APIC_DM_FIXED | COKERNEL_IPI_VECTOR, ck_apicid(e->cpus[0]));
}

/* Waits for cpu_state[idx] to reach at least @state: 0, -ETIMEDOUT, or -EINTR. */
static int ck_wait_cpu(struct ck_boot *b, u32 idx, u32 state, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	while (READ_ONCE(b->ctl->cpu_state[idx]) < state) {
		if (signal_pending(current))
			return -EINTR;
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		usleep_range(200, 1000);
	}
	return 0;
}

static const char *ck_cpu_failure(struct ck_boot *b, const struct cokernel_trampoline *tr, u32 idx)
{
	u32 st = READ_ONCE(b->ctl->cpu_state[idx]);

	if (!READ_ONCE(tr->started))
		return "never ran the trampoline";
	if (st == COKERNEL_CPU_OFF)
		return "ran the trampoline but never reached the co-kernel";
	return "reached the co-kernel but did not report up (see its console)";
}

/* Starts every CPU of @e, one after the other; 0, or the failure with every CPU stopped. */
int ck_cpus_start(struct ck_enclave *e, struct ck_boot *b, const struct cokernel_image_header *ih,
		  u64 pml4_phys, u64 stacks_phys, unsigned int cpu_timeout_ms)
{
	const struct cokernel_trampoline *blob =
		(const void *)((const u8 *)ih + COKERNEL_TRAMPOLINE_OFFSET);
	struct cokernel_trampoline *tr;
	struct ck_lowmem lm;
	u32 i;
	int ret;

	cpus_read_lock();	/* no Linux CPU bring-up while the low pages are ours */
	ret = ck_lowmem_acquire(&lm);
	if (ret)
		goto out_unlock;
	tr = lm.code;
	memcpy(lm.code, blob, blob->hdr.size);
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
		ck_cpu_sipi(apicid, lm.code_phys);
		ret = ck_wait_cpu(b, i, COKERNEL_CPU_UP, cpu_timeout_ms);
		if (ret == -ETIMEDOUT)
			pr_err("boot: enclave %d: CPU %u (APIC ID %u) %s within %u ms\n", e->id,
			       e->cpus[i], apicid, ck_cpu_failure(b, tr, i), cpu_timeout_ms);
		if (ret)
			break;
	}
	if (ret)
		ck_cpus_stop(e);	/* nobody may still run the low page */
	ck_lowmem_release(&lm);
out_unlock:
	cpus_read_unlock();
	return ret;
}

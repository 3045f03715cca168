// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/cokernel: one header line, then one line per enclave:
 *
 *   id state cpus mem_mib ranges
 *   0 partitioned 2-3 256 0x100000000-0x10fffffff
 *
 * cpus is a CPU list ("2-3,5"), ranges is a comma-separated list of
 * inclusive physical address ranges in hex, shown only to a reader that
 * opened the file with CAP_SYS_ADMIN ("hidden" otherwise, as kptr_restrict
 * hides kernel addresses). Reading never waits for an enclave operation.
 */
#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "cokernel.h"

#define CK_PROC_NAME "cokernel"

struct ck_proc_line {
	struct cpumask mask;
	u32 state, ncpus, nranges;
	u32 cpus[COKERNEL_MAX_ENCLAVE_CPUS];
	struct cokernel_mem_range ranges[COKERNEL_MAX_MEM_RANGES];
};

static void ck_proc_snapshot(struct ck_enclave *e, struct ck_proc_line *l)
{
	l->state = ck_enclave_state(e);
	spin_lock(&e->state_lock);
	l->ncpus = e->ncpus;
	l->nranges = e->nranges;
	memcpy(l->cpus, e->cpus, sizeof(l->cpus[0]) * e->ncpus);
	memcpy(l->ranges, e->ranges, sizeof(l->ranges[0]) * e->nranges);
	spin_unlock(&e->state_lock);
}

static void ck_proc_line(struct seq_file *m, int id, struct ck_proc_line *l, bool addresses)
{
	u64 total = 0;
	u32 i;

	cpumask_clear(&l->mask);
	for (i = 0; i < l->ncpus; i++)
		cpumask_set_cpu(l->cpus[i], &l->mask);
	for (i = 0; i < l->nranges; i++)
		total += l->ranges[i].size;
	seq_printf(m, "%d %s %*pbl %llu ", id, cokernel_state_name(l->state),
		   cpumask_pr_args(&l->mask), total >> 20);
	if (!addresses)
		seq_puts(m, "hidden");
	for (i = 0; addresses && i < l->nranges; i++)
		seq_printf(m, "%s%#llx-%#llx", i ? "," : "", l->ranges[i].start,
			   l->ranges[i].start + l->ranges[i].size - 1);
	seq_putc(m, '\n');
}

static int ck_proc_show(struct seq_file *m, void *v)
{
	bool addresses = file_ns_capable(m->file, &init_user_ns, CAP_SYS_ADMIN);
	struct ck_proc_line *l = kmalloc(sizeof(*l), GFP_KERNEL);
	struct ck_enclave *e;
	int id;

	if (!l)
		return -ENOMEM;
	seq_puts(m, "id state cpus mem_mib ranges\n");
	for (id = 0; id < (int)COKERNEL_MAX_ENCLAVES; id++) {
		e = ck_enclave_get(id);
		if (!e)
			continue;
		ck_proc_snapshot(e, l);
		ck_enclave_put(e);
		ck_proc_line(m, id, l, addresses);
	}
	kfree(l);
	return 0;
}

int ck_proc_init(void)
{
	if (!proc_create_single(CK_PROC_NAME, 0444, NULL, ck_proc_show))
		return -ENOMEM;
	return 0;
}

void ck_proc_exit(void)
{
	remove_proc_entry(CK_PROC_NAME, NULL);
}

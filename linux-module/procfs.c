// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/cokernel: one header line, then one line per enclave:
 *
 *   id state cpus mem_mib ranges
 *   0 partitioned 2-3 256 0x100000000-0x10fffffff
 *
 * cpus is a CPU list ("2-3,5"), ranges is a comma-separated list of
 * inclusive physical address ranges in hex.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "boot.h"
#include "cokernel.h"

#define CK_PROC_NAME "cokernel"

static int ck_proc_show(struct seq_file *m, void *v)
{
	struct ck_enclave *e;
	int id;
	u32 i;
	u64 total;

	seq_puts(m, "id state cpus mem_mib ranges\n");
	mutex_lock(&ck_table_lock);
	for (id = 0; id < (int)COKERNEL_MAX_ENCLAVES; id++) {
		e = ck_enclave_lookup(id);
		if (!e)
			continue;
		ck_boot_update_state(e);
		total = 0;
		for (i = 0; i < e->nranges; i++)
			total += e->ranges[i].size;
		seq_printf(m, "%d %s %*pbl %llu ", e->id, cokernel_state_name(e->state),
			   cpumask_pr_args(&e->cpumask), total >> 20);
		for (i = 0; i < e->nranges; i++)
			seq_printf(m, "%s%#llx-%#llx", i ? "," : "",
				   e->ranges[i].start,
				   e->ranges[i].start + e->ranges[i].size - 1);
		seq_putc(m, '\n');
	}
	mutex_unlock(&ck_table_lock);
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

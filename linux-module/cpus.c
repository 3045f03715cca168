// SPDX-License-Identifier: GPL-2.0
/*
 * CPU take/give and the CPU hotplug guard.
 *
 * CREATE offlines the enclave's CPUs with remove_cpu() and marks them in
 * ck_claimed_cpus.  A dynamic CPUHP_BP_PREPARE_DYN state refuses to bring a
 * claimed CPU up, so "echo 1 > /sys/devices/system/cpu/cpuN/online" fails
 * with -EBUSY while an enclave holds cpuN.  DESTROY clears the marks first and
 * then calls add_cpu().
 */
#define pr_fmt(fmt) "cokernel: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/printk.h>

#include "cokernel.h"

/* CPUs held by some enclave.  Changed with atomic bit ops only. */
static struct cpumask ck_claimed_cpus;
static int ck_cpuhp_state = -1;

bool ck_cpu_claimed(unsigned int cpu)
{
	return cpumask_test_cpu(cpu, &ck_claimed_cpus);
}

/*
 * Runs on the control CPU, under the CPU hotplug write lock, before the CPU
 * is started.  Must not take ck_table_lock (CREATE holds it across
 * remove_cpu()).
 */
static int ck_cpu_guard_startup(unsigned int cpu)
{
	if (cpumask_test_cpu(cpu, &ck_claimed_cpus)) {
		pr_info_ratelimited("refusing to online CPU %u: it is held by an enclave (destroy the enclave first)\n",
				    cpu);
		return -EBUSY;
	}
	return 0;
}

int ck_cpus_guard_init(void)
{
	int ret;

	cpumask_clear(&ck_claimed_cpus);
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "cokernel:guard",
					ck_cpu_guard_startup, NULL);
	if (ret < 0) {
		pr_err("cannot install the CPU hotplug guard: %d\n", ret);
		return ret;
	}
	ck_cpuhp_state = ret;
	return 0;
}

void ck_cpus_guard_exit(void)
{
	if (ck_cpuhp_state >= 0)
		cpuhp_remove_state_nocalls(ck_cpuhp_state);
	ck_cpuhp_state = -1;
}

/* Give back the first @n CPUs of @e: drop the claim, then online them. */
static void ck_cpus_give_n(struct ck_enclave *e, u32 n)
{
	u32 i;
	int ret;

	/*
	 * No barrier needed: the guard runs under the hotplug locks that
	 * add_cpu() (or anybody else's bring-up) takes after this store.
	 */
	for (i = 0; i < n; i++)
		cpumask_clear_cpu(e->cpus[i], &ck_claimed_cpus);
	for (i = 0; i < n; i++) {
		ret = add_cpu(e->cpus[i]);	/* > 0: already online */
		if (ret < 0)
			pr_warn("enclave %d: CPU %u did not come back online: %d\n",
				e->id, e->cpus[i], ret);
	}
}

/*
 * Offline every CPU of @e and claim it; all or nothing.  Caller holds
 * ck_table_lock and has checked that the CPUs are present, online and not
 * claimed.
 */
int ck_cpus_take(struct ck_enclave *e)
{
	u32 i;
	int ret;
	bool online;

	for (i = 0; i < e->ncpus; i++) {
		unsigned int cpu = e->cpus[i];

		ret = remove_cpu(cpu);
		if (ret < 0) {
			pr_info("create: cannot take CPU %u offline: %d\n", cpu, ret);
			goto rollback;
		}
		/* ret > 0: somebody else offlined it meanwhile; we hold it now. */
		cpumask_set_cpu(cpu, &ck_claimed_cpus);
		/*
		 * Close the window between remove_cpu() and the claim: a
		 * bring-up holds the hotplug write lock from start to end, so
		 * once we get the read lock either it has finished (CPU online
		 * again) or any later one sees the claim (the lock orders our
		 * store before its guard callback).
		 */
		cpus_read_lock();
		online = cpu_online(cpu);
		cpus_read_unlock();
		if (online) {
			cpumask_clear_cpu(cpu, &ck_claimed_cpus);
			pr_info("create: CPU %u was brought back online behind our back\n",
				cpu);
			ret = -EBUSY;
			goto rollback;
		}
	}
	return 0;

rollback:
	ck_cpus_give_n(e, i);
	return ret;
}

/* Give every CPU of @e back to Linux. */
void ck_cpus_give(struct ck_enclave *e)
{
	ck_cpus_give_n(e, e->ncpus);
}

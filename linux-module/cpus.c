// SPDX-License-Identifier: GPL-2.0
/*
 * CPU take/give and the CPU hotplug guard.
 *
 * CREATE marks the enclave's CPUs in ck_claimed_cpus and offlines them with
 * remove_cpu().  A dynamic CPUHP_BP_PREPARE_DYN state refuses to bring a
 * claimed CPU up, so "echo 1 > /sys/devices/system/cpu/cpuN/online" fails
 * with -EBUSY while an enclave holds cpuN.  DESTROY clears each mark and
 * calls add_cpu(); a CPU that does not come back stays claimed (and listed,
 * state leftover) until DESTROY succeeds in giving it back.
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

/*
 * Runs on the control CPU, under the CPU hotplug write lock, before the CPU
 * is started.  Must not take any lock of ours (CREATE and DESTROY hold
 * e->lock across remove_cpu()/add_cpu()).
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

/* Drops the claim of @cpu and onlines it; 0 or add_cpu()'s error (claim kept). */
static int ck_cpu_give(int id, unsigned int cpu)
{
	int ret;

	/*
	 * No barrier needed: the guard runs under the hotplug locks that
	 * add_cpu() (or anybody else's bring-up) takes after this store.
	 */
	cpumask_clear_cpu(cpu, &ck_claimed_cpus);
	ret = ck_inject_give_failure();
	if (!ret)
		ret = add_cpu(cpu);	/* > 0: already online */
	if (ret < 0) {
		cpumask_set_cpu(cpu, &ck_claimed_cpus);
		pr_warn("enclave %d: CPU %u did not come back online: %d (cokernel destroy %d retries)\n",
			id, cpu, ret, id);
		return ret;
	}
	return 0;
}

/*
 * Offline every CPU of @e and claim it; all or nothing. The claim comes
 * first (test-and-set: two creates cannot both get a CPU), then the checks.
 */
int ck_cpus_take(struct ck_enclave *e)
{
	unsigned int cpu;
	u32 i;
	int ret = 0;
	bool online;

	for (i = 0; i < e->ncpus; i++) {
		cpu = e->cpus[i];
		if (cpumask_test_and_set_cpu(cpu, &ck_claimed_cpus)) {
			pr_info("create: CPU %u is already held by an enclave\n", cpu);
			ret = -EBUSY;
			break;
		}
		if (!cpu_online(cpu)) {
			cpumask_clear_cpu(cpu, &ck_claimed_cpus);
			pr_info("create: CPU %u is offline; the module takes online CPUs offline itself\n",
				cpu);
			ret = -EINVAL;
			break;
		}
		cpumask_set_cpu(cpu, &e->cpumask);
		ret = remove_cpu(cpu);
		if (ret < 0) {
			pr_info("create: cannot take CPU %u offline: %d\n", cpu, ret);
			break;
		}
		ret = 0;	/* > 0: somebody else offlined it meanwhile; we hold it now */
		/*
		 * A bring-up holds the hotplug write lock from start to end, so
		 * once we get the read lock either it has finished (CPU online
		 * again) or any later one sees the claim.
		 */
		cpus_read_lock();
		online = cpu_online(cpu);
		cpus_read_unlock();
		if (online) {
			pr_info("create: CPU %u was brought back online behind our back\n", cpu);
			ret = -EBUSY;
			break;
		}
	}
	if (ret)
		ck_cpus_give(e);
	return ret;
}

/* Give every CPU @e holds back to Linux; those that refuse stay held. */
int ck_cpus_give(struct ck_enclave *e)
{
	unsigned int cpu;
	int stuck = 0;

	for_each_cpu(cpu, &e->cpumask) {
		if (cpu_online(cpu)) {
			cpumask_clear_cpu(cpu, &ck_claimed_cpus);	/* a rollback: never taken */
		} else if (ck_cpu_give(e->id, cpu)) {
			stuck++;
			continue;
		}
		cpumask_clear_cpu(cpu, &e->cpumask);
	}
	return stuck;
}

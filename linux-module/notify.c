// SPDX-License-Identifier: GPL-2.0
/*
 * Enclave -> Linux notifications: one real Linux IRQ from the x86 vector
 * domain, shared by all enclaves.  Its vector and destination APIC ID come
 * from irqd_cfg(); Linux may move the IRQ (CPU hotplug, affinity), so callers
 * read them again and republish them in the control block before every
 * command (ck_notify_get).  Allocated with the first booted enclave, freed
 * with the last.
 */
#define pr_fmt(fmt) "cokernel: " fmt

#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <asm/hw_irq.h>
#include <asm/irqdomain.h>

#include "boot.h"

static DEFINE_MUTEX(ck_irq_lock);	/* ck_irq, ck_irq_users */
static int ck_irq = -1;
static unsigned int ck_irq_users;
static atomic_long_t ck_irq_count = ATOMIC_LONG_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(ck_irq_wait);

static irqreturn_t ck_notify_handler(int irq, void *dev)
{
	atomic_long_inc(&ck_irq_count);
	wake_up_all(&ck_irq_wait);
	return IRQ_HANDLED;
}

static int ck_notify_get_locked(u32 *vector, u32 *apic_id)
{
	struct irq_alloc_info info;
	struct irq_cfg *cfg;
	int irq, ret;

	if (ck_irq < 0) {
		memset(&info, 0, sizeof(info));
		irq = __irq_domain_alloc_irqs(x86_vector_domain, -1, 1,
					      NUMA_NO_NODE, &info, false, NULL);
		if (irq < 0) {
			pr_err("cannot allocate a notification IRQ: %d\n", irq);
			return irq;
		}
		irq_set_handler(irq, handle_edge_irq);
		ret = request_irq(irq, ck_notify_handler, 0, "cokernel", NULL);
		if (ret) {
			pr_err("cannot request notification IRQ %d: %d\n", irq, ret);
			irq_dispose_mapping(irq);
			return ret;
		}
		ck_irq = irq;
		cfg = irqd_cfg(irq_get_irq_data(ck_irq));
		/* dest_apicid is a logical destination (a CPU bit mask)
		 * when the APIC driver uses logical mode, as flat xAPIC does. */
		pr_info("notification IRQ %d: vector %#x, %s destination %#x\n",
			irq, cfg ? cfg->vector : 0,
			ck_linux_dest_mode() == COKERNEL_DEST_LOGICAL ?
			"logical" : "physical APIC ID",
			cfg ? cfg->dest_apicid : 0);
	}
	cfg = irqd_cfg(irq_get_irq_data(ck_irq));
	if (!cfg || cfg->vector < FIRST_EXTERNAL_VECTOR)
		return -EIO;
	*vector = cfg->vector;
	*apic_id = cfg->dest_apicid;
	return 0;
}

int ck_notify_get(u32 *vector, u32 *apic_id)
{
	int ret;

	mutex_lock(&ck_irq_lock);
	ret = ck_notify_get_locked(vector, apic_id);
	mutex_unlock(&ck_irq_lock);
	return ret;
}

/* Takes a reference that ck_notify_put() drops: call once per booted enclave. */
int ck_notify_hold(void)
{
	u32 v, a;
	int ret;

	mutex_lock(&ck_irq_lock);
	ret = ck_notify_get_locked(&v, &a);
	if (!ret)
		ck_irq_users++;
	mutex_unlock(&ck_irq_lock);
	return ret;
}

void ck_notify_put(void)
{
	mutex_lock(&ck_irq_lock);
	if (!WARN_ON(!ck_irq_users) && !--ck_irq_users && ck_irq >= 0) {
		free_irq(ck_irq, NULL);
		irq_dispose_mapping(ck_irq);
		ck_irq = -1;
	}
	mutex_unlock(&ck_irq_lock);
}

unsigned long ck_notify_count(void)
{
	return atomic_long_read(&ck_irq_count);
}

void ck_notify_wait(unsigned long since, unsigned int timeout_us)
{
	wait_event_timeout(ck_irq_wait, atomic_long_read(&ck_irq_count) != since,
			   usecs_to_jiffies(timeout_us));
}

/* As ck_notify_wait, but a signal ends it: -ERESTARTSYS then, else 0. */
int ck_notify_wait_interruptible(unsigned long since, unsigned int timeout_us)
{
	long r = wait_event_interruptible_timeout(ck_irq_wait,
						  atomic_long_read(&ck_irq_count) != since,
						  usecs_to_jiffies(timeout_us));

	return r < 0 ? (int)r : 0;
}

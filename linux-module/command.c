// SPDX-License-Identifier: GPL-2.0
/*
 * The command channel to a running co-kernel: cmd and arg in the control
 * block, then req_seq, then the doorbell IPI; the co-kernel answers with
 * result and resp_seq and an IPI to Linux's notification vector (or Linux
 * polls, sleeping between looks). Every wait is bounded; an interruptible
 * one also ends on a signal. A co-kernel that does not answer in time is
 * marked failed.
 */
#define pr_fmt(fmt) "cokernel: " fmt

#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/sched/signal.h>

#include "boot.h"
#include "cokernel.h"

/* The notification destination may have moved (CPU hotplug): republish it. */
static void ck_publish_notify(struct ck_boot *b)
{
	struct cokernel_control *c = b->ctl;
	u32 vector = 0, apic_id = 0;

	if (!b->irq_held || ck_notify_get(&vector, &apic_id))
		return;
	WRITE_ONCE(c->linux_apic_id, apic_id);
	WRITE_ONCE(c->linux_dest_mode, ck_linux_dest_mode());
	WRITE_ONCE(c->linux_vector, vector);
}

/* Sends one command and waits for its answer: 0 and the result, -ETIMEDOUT, or -EINTR. */
int ck_send_command(struct ck_enclave *e, u32 cmd, u64 arg, unsigned int timeout_ms,
		    bool interruptible, s32 *result, u64 *ns)
{
	struct ck_boot *b = e->boot;
	struct cokernel_control *c = b->ctl;
	u32 seq = READ_ONCE(c->req_seq) + 1;
	unsigned long seen;
	u64 t0, deadline;

	ck_publish_notify(b);
	WRITE_ONCE(c->cmd, cmd);
	WRITE_ONCE(c->arg, arg);
	smp_wmb();	/* cmd and arg before the sequence number */
	WRITE_ONCE(c->req_seq, seq);
	mb();		/* the request before the doorbell */
	seen = ck_notify_count();
	t0 = ktime_get_ns();
	deadline = t0 + (u64)timeout_ms * NSEC_PER_MSEC;
	ck_cpu_doorbell(e);
	while (READ_ONCE(c->resp_seq) != seq) {
		if (ktime_get_ns() > deadline)
			return -ETIMEDOUT;
		if (interruptible && signal_pending(current))
			return -EINTR;
		if (b->irq_held) {
			ck_notify_wait(seen, 1000);
			seen = ck_notify_count();
		} else {
			usleep_range(20, 100);
		}
	}
	if (ns)
		*ns = ktime_get_ns() - t0;
	smp_rmb();	/* resp_seq before result */
	*result = READ_ONCE(c->result);
	return 0;
}

static int ck_command_checked(struct ck_enclave *e, u32 cmd, u64 arg, bool interruptible,
			      s32 *result, u64 *ns)
{
	int ret;

	if (!e->boot || ck_enclave_state(e) != COKERNEL_STATE_RUNNING)
		return -ESRCH;
	ret = ck_send_command(e, cmd, arg, CK_CMD_TIMEOUT_MS, interruptible, result, ns);
	if (ret == -ETIMEDOUT) {
		pr_err("enclave %d failed: no answer to command %u within %u ms\n", e->id, cmd,
		       CK_CMD_TIMEOUT_MS);
		ck_enclave_set_state(e, COKERNEL_STATE_FAILED);
	}
	return ret;
}

int ck_user_command(struct ck_enclave *e, struct cokernel_command *c)
{
	int ret = mutex_lock_killable(&e->lock);

	if (ret)
		return ret;
	ret = ck_command_checked(e, c->cmd, c->arg, true, &c->result, &c->latency_ns);
	if (ret == -ESRCH)
		pr_info("command: enclave %d is %s, not running\n", e->id,
			cokernel_state_name(ck_enclave_state(e)));
	if (!ret && c->cmd == COKERNEL_CMD_FAULT) {
		msleep(20);	/* let it fault and say so */
		ck_enclave_state(e);
	}
	mutex_unlock(&e->lock);
	return ret;
}

int ck_job_command(struct ck_enclave *e, u32 cmd, u64 arg, bool interruptible)
{
	s32 result;
	int ret = ck_command_checked(e, cmd, arg, interruptible, &result, NULL);

	return ret ? ret : result;
}

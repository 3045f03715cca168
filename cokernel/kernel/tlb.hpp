#pragma once
// TLB shootdown (docs/run.md, "Threads and CPUs"): the enclave's CPUs share the job's page tables, and each
// caches translations. After a change that takes a permission away (munmap, mprotect, a brk shrink), every
// other CPU that has run the job's threads flushes before the change counts as done: an IPI, and a wait
// for each to say it flushed. The boot flag ck.no_shootdown turns it off, for the test that shows it is
// needed (tests/qemu/test_tlb_shootdown.sh).
#include <stdint.h>

namespace ck {

// Flushes this CPU's TLB of the job's pages, then the other CPUs' in cpus (bit i: CPU i), and returns once
// they all did. Interrupts open while it waits (a target may be waiting for this CPU's answer).
void tlb_shootdown(uint64_t cpus);
// SHOOTDOWN_VECTOR's handler.
void tlb_shootdown_interrupt();
// The boot command line said ck.no_shootdown.
void tlb_shootdown_disable();

} // namespace ck

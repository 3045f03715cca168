#pragma once
// The co-kernel's own interrupt vectors. They sit in Linux's device-vector range (0x20..0xeb), which Linux
// never sends with its "all but self" shorthand, so a broadcast from Linux (its system vectors, 0xec and
// up, and NMIs) is never mistaken for one of these. The doorbell from Linux is COKERNEL_IPI_VECTOR (boot.h).
#include <stdint.h>

namespace arch {

constexpr uint8_t TIMER_VECTOR = 0x40;     // this CPU's APIC timer: time slice or a sleeper's deadline
constexpr uint8_t RESCHED_VECTOR = 0x41;   // another enclave CPU put a thread on this CPU's run queue
constexpr uint8_t SHOOTDOWN_VECTOR = 0x42; // another enclave CPU changed the job's page tables: flush

} // namespace arch

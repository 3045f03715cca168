// TLB shootdown by generations (tlb.hpp): the initiator publishes a new generation and sends the IPI; each
// target flushes, then records the newest generation it has seen. A stray or late IPI only flushes again.
#include "tlb.hpp"

#include "apic.hpp"
#include "cpu.hpp"
#include "kernel.hpp"
#include "percpu.hpp"
#include "vectors.hpp"

namespace ck {
namespace {

uint64_t g_generation = 0;
bool g_disabled = false;

void flush_local() {
    arch::write_cr3(arch::read_cr3()); // the job's pages are not global: this flushes them
}

} // namespace

void tlb_shootdown_disable() {
    g_disabled = true;
}

void tlb_shootdown(uint64_t cpus) {
    flush_local();
    PerCpu& me = this_cpu();
    cpus &= ~(uint64_t{1} << me.index);
    if (cpus == 0 || g_disabled) {
        return;
    }
    const uint64_t gen = __atomic_add_fetch(&g_generation, 1, __ATOMIC_ACQ_REL);
    for (uint32_t i = 0; i < cpu_count(); ++i) {
        if ((cpus & (uint64_t{1} << i)) != 0) {
            this_apic().send_ipi(cpu_block(i).apic_id, arch::SHOOTDOWN_VECTOR);
        }
    }
    for (uint32_t i = 0; i < cpu_count(); ++i) {
        if ((cpus & (uint64_t{1} << i)) == 0) {
            continue;
        }
        while (__atomic_load_n(&cpu_block(i).shootdown_ack, __ATOMIC_ACQUIRE) < gen) {
            arch::pause_interruptible();
        }
    }
}

void tlb_shootdown_interrupt() {
    const uint64_t gen = __atomic_load_n(&g_generation, __ATOMIC_ACQUIRE);
    flush_local();
    PerCpu& me = this_cpu();
    if (me.shootdown_ack < gen) {
        __atomic_store_n(&me.shootdown_ack, gen, __ATOMIC_RELEASE);
    }
}

} // namespace ck

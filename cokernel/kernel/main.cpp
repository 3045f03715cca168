// The co-kernel's C++ entry: every CPU arrives here from the trampoline (docs/boot-protocol.md).
#include "apic.hpp"
#include "boot_params.hpp"
#include "console.hpp"
#include "cpu.hpp"
#include "descriptors.hpp"
#include "format.hpp"
#include "job.hpp"
#include "job_memory.hpp"
#include "kernel.hpp"
#include "paging.hpp"
#include "percpu.hpp"
#include "phys_alloc.hpp"
#include "sched.hpp"
#include "tlb.hpp"
#include "user_mode.hpp"

#ifndef COKERNEL_VERSION
#define COKERNEL_VERSION "unknown"
#endif

namespace ck {
namespace {

PerCpu g_cpus[COKERNEL_MAX_ENCLAVE_CPUS];
const cokernel_boot_params* g_bp = nullptr;
cokernel_control* g_control = nullptr;
arch::Apic g_apic[COKERNEL_MAX_ENCLAVE_CPUS];
PhysAllocator<64> g_phys;

void banner(const cokernel_boot_params& bp) {
    uint64_t mem = 0;
    for (uint32_t i = 0; i < bp.nranges; ++i) {
        mem += bp.ranges[i].size;
    }
    kprintf("cokernel %s: enclave %d, %u CPU(s), %lu MiB, TSC %lu kHz, %s\n", COKERNEL_VERSION, bp.enclave_id,
            bp.ncpus, mem >> 20, bp.tsc_khz, bp.apic_mode == COKERNEL_APIC_X2APIC ? "x2APIC" : "xAPIC");
    for (uint32_t i = 0; i < bp.ncpus; ++i) {
        kprintf("  cpu %u: Linux CPU %u, APIC ID %u\n", i, bp.cpus[i].linux_cpu, bp.cpus[i].apic_id);
    }
    for (uint32_t i = 0; i < bp.nranges; ++i) {
        kprintf("  memory: 0x%lx-0x%lx (%lu MiB)\n", bp.ranges[i].start,
                bp.ranges[i].start + bp.ranges[i].size - 1, bp.ranges[i].size >> 20);
    }
    kprintf("  command line: '%s'\n", bp.cmdline);
}

void memory_init(const cokernel_boot_params& bp) {
    const uint64_t used = (bp.free_phys + 4095) & ~uint64_t{4095};
    // The co-kernel's own memory is the start of the first range (COKERNEL_KERNEL_RESERVE, job.h); the rest
    // of the enclave is the job space (docs/run.md), out of the page allocator.
    const bool jobs = job_space_reserve(bp);
    const cokernel_mem_range& first = bp.ranges[0];
    const uint64_t end =
        first.start + (first.size < COKERNEL_KERNEL_RESERVE ? first.size : COKERNEL_KERNEL_RESERVE);
    if (used >= end || !g_phys.add(used, end - used)) {
        panic("cannot describe the enclave's memory to the page allocator");
    }
    // A self-test that the allocator and the direct map agree: allocate, touch, free.
    const uint64_t page = g_phys.alloc(PhysAllocator<64>::PAGE);
    if (page == 0) {
        panic("no free memory in the enclave");
    }
    *phys_to_virt<volatile uint64_t>(page) = 0x636f6b65726e656cULL;
    g_phys.free(page, PhysAllocator<64>::PAGE);
    kprintf("memory: %lu MiB free for the page allocator in %zu extent(s)\n", g_phys.free_bytes() >> 20,
            g_phys.extents());
    if (jobs) {
        kprintf("memory: job space %lu MiB in %u range(s), %lu MiB of it the job's\n", job_space_size() >> 20,
                bp.nranges, job_memory_size() >> 20);
    } else {
        kprintf("memory: no room for a job: jobs will be refused\n");
    }
}

// True when the command line has this word (words are separated by spaces).
bool cmdline_has(const cokernel_boot_params& bp, const char* word) {
    for (const char* p = bp.cmdline; *p != '\0';) {
        while (*p == ' ') {
            ++p;
        }
        const char* w = word;
        while (*w != '\0' && *p == *w) {
            ++p;
            ++w;
        }
        if (*w == '\0' && (*p == ' ' || *p == '\0')) {
            return true;
        }
        while (*p != ' ' && *p != '\0') {
            ++p;
        }
    }
    return false;
}

void mark_cpu(uint32_t cpu, uint32_t state) {
    __atomic_store_n(&g_control->cpu_state[cpu], state, __ATOMIC_RELEASE);
}

} // namespace

const cokernel_boot_params& boot_params() {
    return *g_bp;
}
cokernel_control& control() {
    return *g_control;
}

PhysAllocator<64>& kernel_pages() {
    return g_phys;
}

PerCpu& cpu_block(uint32_t index) {
    return g_cpus[index];
}

uint32_t cpu_count() {
    return g_bp->ncpus;
}

uint32_t this_cpu_index() {
    return this_cpu().index;
}

arch::Apic& this_apic() {
    return g_apic[this_cpu_index()];
}

[[noreturn]] void stop_this_cpu(uint32_t enclave_state) {
    if (g_control != nullptr) {
        mark_cpu(this_cpu_index(), COKERNEL_CPU_HALTED);
        __atomic_store_n(&g_control->state, enclave_state, __ATOMIC_RELEASE);
    }
    arch::halt_forever();
}

void panic(const char* fmt, ...) {
    arch::cli();
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    kprintf_emergency("PANIC on cpu %u: %s\n", this_cpu_index(), buf);
    stop_this_cpu(COKERNEL_CK_PANIC);
}

} // namespace ck

using namespace ck;

extern "C" [[noreturn]] void kernel_entry(const cokernel_boot_params* bp, uint32_t cpu) {
    // Nothing is known to be right yet: on a bad block there is no console, so stop (Linux times out).
    if (validate_boot_params(*bp) != nullptr || cpu >= bp->ncpus) {
        arch::halt_forever();
    }
    g_bp = bp;
    g_control = phys_to_virt<cokernel_control>(bp->control_phys);
    console_init(phys_to_virt<cokernel_console>(bp->console_phys));
    PerCpu& pc = g_cpus[cpu];
    pc.self = &pc;
    pc.index = cpu;
    pc.apic_id = bp->cpus[cpu].apic_id;
    mark_cpu(cpu, COKERNEL_CPU_ENTERED); // Linux may take its low pages back now

    if (cpu == 0) {
        arch::idt_init();
    }
    arch::load_cpu_tables(pc.tables, reinterpret_cast<uint64_t>(pc.fault_stack + sizeof pc.fault_stack));
    arch::wrmsr(arch::MSR_GS_BASE, reinterpret_cast<uint64_t>(&pc)); // after loading %gs, which clears it
    arch::user_mode_init();
    arch::Apic& apic = g_apic[cpu];
    apic.init(bp->apic_mode == COKERNEL_APIC_X2APIC, bp->apic_phys);
    if (apic.id() != pc.apic_id) {
        panic("cpu %u: APIC ID is %u, the boot parameters say %u", cpu, apic.id(), pc.apic_id);
    }
    if (cpu == 0) {
        banner(*bp);
        memory_init(*bp);
        if (cmdline_has(*bp, "ck.no_shootdown")) {
            kprintf("ck.no_shootdown on the command line: TLB shootdowns are off (for tests only)\n");
            tlb_shootdown_disable();
        }
        if (!paging_build(*bp, g_phys)) {
            panic("out of memory for page tables");
        }
    }
    paging_switch(); // CPU 0 finished building before Linux started any other CPU
    sched_init_cpu();
    if (cmdline_has(*bp, "ck.boot_hang")) {
        // For tests of Linux's boot timeout and rollback: never report up.
        kprintf("cpu %u: ck.boot_hang on the command line: not reporting up\n", cpu);
        arch::halt_forever();
    }
    kprintf("cpu %u (APIC ID %u) up\n", cpu, pc.apic_id);
    mark_cpu(cpu, COKERNEL_CPU_UP);
    if (__atomic_add_fetch(&g_control->ncpus_up, 1u, __ATOMIC_ACQ_REL) == bp->ncpus) {
        kprintf("enclave %d up: %u CPU(s)\n", bp->enclave_id, bp->ncpus);
        __atomic_store_n(&g_control->state, static_cast<uint32_t>(COKERNEL_CK_UP), __ATOMIC_RELEASE);
    }
    // Tickless: no timer is armed while a CPU has at most one thread to run; an idle CPU halts until an
    // IPI (the doorbell from Linux, a thread put on its queue) or its timer (a sleeper's deadline).
    void (*on_idle)() = nullptr;
    if (cpu == 0) {
        on_idle = [] { job_poll(g_phys); }; // jobs start and end on CPU 0
    }
    sched_idle_loop(on_idle);
}

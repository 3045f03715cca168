// Starting and ending a job (docs/run.md): the proxy fills struct cokernel_job and the staging area in the
// job space's control area, sets state REQUESTED and rings the doorbell (a PING); CPU 0's idle loop then
// loads the executable (and a dynamic one's interpreter, program_plan.hpp) into the job's memory, maps all of
// it as user pages (2 MiB, mapped up front), gives its pages their protections (segments per p_flags, the
// stack; the free rest not present), builds the initial stack and puts its first thread on CPU 0's run queue
// (proc/sched.hpp). Its threads (clone) run on every enclave CPU; the job ends when the last one has
// (proc/exit.hpp: exit of the last thread, exit_group, a fatal signal, a CPU exception, the proxy's end), and
// CPU 0's idle loop then reaps it: the memory goes only once every thread is off its CPU.
#include "job.hpp"

#include "console.hpp"
#include "cpu.hpp"
#include "exit.hpp"
#include "format.hpp"
#include "initial_stack.hpp"
#include "job_memory.hpp"
#include "kernel.hpp"
#include "load_segments.hpp"
#include "mem.hpp"
#include "percpu.hpp"
#include "process.hpp"
#include "program_plan.hpp"
#include "sched.hpp"
#include "signal.hpp"
#include "thread.hpp"
#include "tlb.hpp"

#include <stdarg.h>

namespace ck {
namespace {

constexpr uint64_t PAGE = 4096;
constexpr uint64_t STACK_SIZE = COKERNEL_JOB_STACK_SIZE;
constexpr uint32_t MAX_STRINGS = 4096;

bool g_jobs = false; // the enclave has a job space
// The running job: one process (one job per enclave at a time), its threads in its table.
Process g_process;
const char* g_strings[MAX_STRINGS];

cokernel_job* control_block() {
    return phys_to_virt<cokernel_job>(job_ctl_phys());
}
uint8_t* control_area() {
    return phys_to_virt<uint8_t>(job_ctl_phys());
}

void set_message(cokernel_job& b, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vformat(b.message, sizeof b.message, fmt, ap);
    va_end(ap);
}

void publish(cokernel_job& b, uint32_t state) {
    __atomic_store_n(&b.state, state, __ATOMIC_RELEASE);
}

// One image's protections: each segment's p_flags (a page two segments share gets the union, as on Linux).
bool protect_segments(const elf::LoadPlan& plan) {
    uint64_t prev_end = 0;  // end of the previous segment's pages
    uint32_t last_prot = 0; // what its last page has: the union of every segment on that page
    for (uint32_t i = 0; i < plan.nsegments; ++i) {
        const elf::Segment& s = plan.segments[i];
        const uint64_t start = s.vaddr & ~(PAGE - 1);
        const uint64_t end = (s.vaddr + s.memsz + PAGE - 1) & ~(PAGE - 1);
        if (!user_protect(start, end - start, s.prot)) {
            return false;
        }
        const bool shared = prev_end > start; // its first page is the previous segment's last
        if (shared && !user_protect(start, PAGE, s.prot | last_prot)) {
            return false;
        }
        last_prot = shared && end == prev_end ? s.prot | last_prot : s.prot;
        prev_end = end;
    }
    return true;
}

// The initial protections: nothing below the executable, its segments, nothing between it and the
// interpreter, the interpreter's segments, nothing (free) between the images and the stack, the stack as
// PT_GNU_STACK says (read/write by default).
bool protect_image(const elf::ProgramPlan& plan, uint64_t va, uint64_t top) {
    if (!user_protect(va, plan.image_start - va, 0) || !protect_segments(plan.exe)) {
        return false;
    }
    if (plan.dynamic && (!user_protect(plan.exe.image_end, plan.interp.image_start - plan.exe.image_end, 0) ||
                         !protect_segments(plan.interp))) {
        return false;
    }
    return user_protect(plan.image_end, top - STACK_SIZE - plan.image_end, 0) &&
           user_protect(top - STACK_SIZE, STACK_SIZE, plan.exe.stack_prot);
}

// The loader's view: all of the job's memory, whatever is in use.
struct JobMemory {
    bool write(uint64_t addr, const uint8_t* src, uint64_t len) {
        uint8_t* p = job_window(addr, len);
        if (p == nullptr) {
            return len == 0;
        }
        memcpy(p, src, len);
        return true;
    }
    bool fill(uint64_t addr, uint8_t byte, uint64_t len) {
        uint8_t* p = job_window(addr, len);
        if (p == nullptr) {
            return len == 0;
        }
        memset(p, byte, len);
        return true;
    }
};

// argv then envp strings from the staging area, each checked to end inside it.
bool collect_strings(const uint8_t* area, uint64_t size, uint32_t count) {
    uint64_t pos = 0;
    for (uint32_t i = 0; i < count; ++i) {
        g_strings[i] = reinterpret_cast<const char*>(area + pos);
        while (pos < size && area[pos] != 0) {
            ++pos;
        }
        if (pos >= size) {
            return false;
        }
        ++pos;
    }
    return true;
}

// A new process for the request b: everything but its memory, which start_job sets up. Field by field: the
// job space is too large for a temporary on the stack.
void process_init(Process& p, cokernel_job& b) {
    p.block = &b;
    p.id = Identity{b.pid, b.uid, b.euid, b.gid, b.egid};
    p.clocks = Clocks{b.tsc_base, b.realtime_ns, b.monotonic_ns};
    memcpy(p.utsname, b.utsname, sizeof p.utsname);
    memcpy(p.policy.delegate_native, b.delegate_native, sizeof p.policy.delegate_native);
    memcpy(p.policy.deny, b.deny, sizeof p.policy.deny);
    p.calls = SyscallCounts{};
    signals_init(p.sig, b.sig_ignored); // what execve would keep of the launcher's
    p.itimer = IntervalTimer{};
    for (uint32_t i = 0; i < MAX_THREADS; ++i) {
        p.threads[i].slot = i;
        p.threads[i].state = ThreadState::unused;
        p.threads[i].channel = nullptr;
        p.channel_ready[i] = false;
    }
    p.live = 0;
    p.cpus_used = 0;
    p.ended_cpu_tsc = 0;
    p.running = false;
    p.exiting = false;
    p.exit_status = 0;
    p.signal = 0;
}

// No channel of an earlier job stays visible to the new proxy: it serves only what this job sets up.
void forget_channels(cokernel_job& b) {
    __atomic_store_n(&b.nchannels, 0u, __ATOMIC_RELEASE);
    for (uint32_t i = 0; i < MAX_THREADS; ++i) {
        auto* ch = reinterpret_cast<cokernel_deleg_channel*>(control_area() + COKERNEL_JOB_CHANNELS_OFFSET +
                                                             i * COKERNEL_JOB_CHANNEL_SIZE);
        __atomic_store_n(&ch->hdr.signature, 0u, __ATOMIC_RELEASE);
    }
}

void start_job(cokernel_job& b, PhysAllocator<64>& phys) {
    const uint64_t elf_size = b.elf_size;
    const uint64_t interp_size = b.interp_size;
    const uint32_t argc = b.argc;
    const uint32_t envc = b.envc;
    const uint64_t args_size = b.args_size;
    if (elf_size > COKERNEL_JOB_ELF_MAX ||
        interp_size >
            COKERNEL_JOB_ELF_MAX - (cokernel_job_interp_offset(elf_size) - COKERNEL_JOB_ELF_OFFSET) ||
        args_size > COKERNEL_JOB_ARGS_SIZE || argc == 0 || argc > MAX_STRINGS || envc > MAX_STRINGS - argc) {
        set_message(b, "bad job request (sizes or counts out of range)");
        publish(b, COKERNEL_JOB_REFUSED);
        return;
    }
    // The proxy may still write the control area: check strings on a private copy? They are only read
    // to build the stack, and a torn string only changes what the job sees.
    uint8_t* ctl = control_area();
    if (!collect_strings(ctl + COKERNEL_JOB_ARGS_OFFSET, args_size, argc + envc)) {
        set_message(b, "bad job request (unterminated argument strings)");
        publish(b, COKERNEL_JOB_REFUSED);
        return;
    }
    const uint8_t* elf = ctl + COKERNEL_JOB_ELF_OFFSET;
    const uint64_t user_size = job_memory_size();
    const uint64_t limit = cokernel_job_image_limit(job_space_size());
    elf::LoadOptions opt{};
    opt.memory_limit = limit;
    opt.pie_base = COKERNEL_JOB_VA_BASE;
    const uint8_t* interp = interp_size != 0 ? ctl + cokernel_job_interp_offset(elf_size) : nullptr;
    elf::ProgramPlan plan{};
    if (const elf::Status st = elf::plan_program(elf, elf_size, interp, interp_size, opt, plan); !st.ok()) {
        set_message(b, plan.interp_failed ? "its interpreter: %s" : "%s", st.message);
        publish(b, COKERNEL_JOB_REFUSED);
        return;
    }
    const uint64_t va = COKERNEL_JOB_VA_BASE;
    if (plan.image_start < va || plan.image_end - va > limit) {
        set_message(b, "the executable's segments (0x%lx-0x%lx) do not fit the job's %lu MiB at 0x%lx",
                    plan.image_start, plan.image_end, limit >> 20, va);
        publish(b, COKERNEL_JOB_REFUSED);
        return;
    }
    Process& p = g_process;
    process_init(p, b);
    if (!map_user(phys)) {
        unmap_user();
        set_message(b, "out of memory for the job's page tables");
        publish(b, COKERNEL_JOB_REFUSED);
        return;
    }
    JobMemory mem;
    const uint64_t top = va + user_size;
    (void)mem.fill(va, 0, plan.image_end - va); // what an earlier job left there is not this one's
    (void)mem.fill(top - STACK_SIZE, 0, STACK_SIZE);
    elf::StackArgs args{};
    args.argv = g_strings;
    args.argc = argc;
    args.envp = g_strings + argc;
    args.envc = envc;
    args.execfn = g_strings[0];
    uint8_t random[16];
    for (unsigned i = 0; i < 16; i += 8) {
        const uint64_t t = arch::rdtsc() * 0x9e3779b97f4a7c15ULL;
        memcpy(random + i, &t, 8);
    }
    args.random = random;
    args.hwcap = arch::cpuid(1).d;
    args.uid = p.id.uid;
    args.euid = p.id.euid;
    args.gid = p.id.gid;
    args.egid = p.id.egid;
    args.base = plan.base;
    elf::StackLayout layout{};
    elf::Status st = elf::load_segments(mem, plan.exe, elf, elf_size);
    if (st.ok() && plan.dynamic) {
        st = elf::load_segments(mem, plan.interp, interp, interp_size);
    }
    if (st.ok()) {
        st = elf::build_initial_stack(mem, top - STACK_SIZE, top, plan.exe, args, layout);
    }
    if (st.ok() && p.mem.space.init(va, user_size, plan.image_end, STACK_SIZE, COKERNEL_JOB_STACK_GAP) !=
                       MemResult::ok) {
        st = elf::Status{elf::Error::too_large, "the executable leaves no room for the stack"};
    }
    if (st.ok() && !protect_image(plan, va, top)) {
        st = elf::Status{elf::Error::too_large, "out of memory for the job's page tables"};
    }
    if (!st.ok()) {
        unmap_user();
        set_message(b, "%s", st.message);
        publish(b, COKERNEL_JOB_REFUSED);
        return;
    }
    // Its first thread: the proxy's pid is its tid, as a main thread's tid is its pid on Linux.
    Thread& t = p.threads[0];
    forget_channels(b);
    if (!thread_init(t, p, p.id.pid, phys) || job_channel(p, 0) == nullptr) {
        unmap_user();
        set_message(b, "out of memory for the job's kernel stack");
        publish(b, COKERNEL_JOB_REFUSED);
        return;
    }
    thread_signals_init(t.sig, b.sig_blocked); // execve keeps the mask
    *t.user_frame() = first_user_frame(plan.entry, layout.rsp);
    fpu_initial_state(t.fpu);
    t.affinity = all_cpus();
    b.ncpus = cpu_count();
    b.user_va = va;
    b.user_size = user_size;
    b.exit_status = 0;
    b.signal = 0;
    b.message[0] = 0;
    for (uint32_t i = 0; i < cpu_count(); ++i) {
        __atomic_store_n(&cpu_block(i).interrupts, 0u, __ATOMIC_RELAXED);
    }
    kprintf("job: starting '%s' (%u argument(s)) at 0x%lx, memory 0x%lx-0x%lx (%lu MiB), %u CPU(s)\n",
            g_strings[0], argc, plan.entry, va, top - 1, user_size >> 20, cpu_count());
    p.live = 1;
    p.running = true;
    publish(b, COKERNEL_JOB_RUNNING);
    sched_start(t, 0); // CPU 0's idle loop runs it as soon as this returns
}

// The job's end, once its last thread is off its CPU: its memory and kernel stacks go, the proxy gets the
// status.
void reap_job(cokernel_job& b, PhysAllocator<64>& phys) {
    Process& p = g_process;
    for (Thread& t : p.threads) {
        while (__atomic_load_n(&t.on_cpu, __ATOMIC_ACQUIRE)) {
            arch::pause(); // its CPU is still switching away from it
        }
        thread_release(t, phys);
    }
    itimer_cancel(p);
    unmap_user();
    tlb_shootdown(p.cpus_used); // no CPU keeps this job's translations for the next one
    p.running = false;
    b.exit_status = p.exit_status;
    b.signal = p.signal;
    b.native_calls = p.calls.native;
    b.delegated_calls = p.calls.delegated;
    if (p.signal != 0) {
        set_message(b, "killed by signal %u", p.signal);
    } else {
        set_message(b, "exited with status %d", p.exit_status);
    }
    kprintf("job: %s (%lu native, %lu delegated syscalls)\n", b.message, p.calls.native, p.calls.delegated);
    char line[512] = {};
    size_t used = 0;
    for (uint32_t i = 0; i < cpu_count(); ++i) {
        const size_t n = format(line + used, sizeof line - used, " %u:%lu", i,
                                __atomic_load_n(&cpu_block(i).interrupts, __ATOMIC_RELAXED));
        if (n >= sizeof line - used) {
            break;
        }
        used += n;
    }
    kprintf("job: interrupts per CPU during the job (cpu:count):%s\n", line);
    publish(b, COKERNEL_JOB_EXITED);
    notify_linux(); // a proxy waiting for requests wakes up and sees the end
}

} // namespace

bool job_space_reserve(const cokernel_boot_params& bp) {
    g_jobs = job_space_init(bp);
    if (!g_jobs) {
        return false;
    }
    cokernel_job* b = control_block();
    memset(b, 0, 4096);
    b->hdr.signature = COKERNEL_SIGNATURE;
    b->hdr.revision = COKERNEL_JOB_REVISION;
    b->hdr.size = sizeof(cokernel_job);
    publish(*b, COKERNEL_JOB_IDLE);
    return true;
}

void job_poll(PhysAllocator<64>& phys) {
    if (!g_jobs) {
        return;
    }
    cokernel_job& b = *control_block();
    Process& p = g_process;
    if (p.running) {
        if (__atomic_load_n(&p.live, __ATOMIC_ACQUIRE) == 0) {
            reap_job(b, phys);
        }
        return;
    }
    if (__atomic_load_n(&b.state, __ATOMIC_ACQUIRE) != COKERNEL_JOB_REQUESTED) {
        return;
    }
    if (b.hdr.signature != COKERNEL_SIGNATURE || b.hdr.revision != COKERNEL_JOB_REVISION ||
        b.hdr.size != sizeof(cokernel_job)) {
        set_message(b, "job block revision mismatch (co-kernel speaks %u)", COKERNEL_JOB_REVISION);
        publish(b, COKERNEL_JOB_REFUSED);
        return;
    }
    start_job(b, phys);
}

deleg::CokernelEnd* job_channel(Process& p, uint32_t slot) {
    if (slot >= MAX_THREADS) {
        return nullptr;
    }
    if (!p.channel_ready[slot]) {
        auto* ch = reinterpret_cast<cokernel_deleg_channel*>(control_area() + COKERNEL_JOB_CHANNELS_OFFSET +
                                                             slot * COKERNEL_JOB_CHANNEL_SIZE);
        if (deleg::channel_init(ch, COKERNEL_JOB_CHANNEL_SIZE, COKERNEL_JOB_CHANNEL_SLOTS, slot) !=
            deleg::ChannelError::ok) {
            return nullptr;
        }
        p.channels[slot] = deleg::CokernelEnd(ch, COKERNEL_JOB_CHANNEL_SLOTS);
        p.channel_ready[slot] = true;
        cokernel_job& b = *control_block();
        if (__atomic_load_n(&b.nchannels, __ATOMIC_RELAXED) < slot + 1) {
            __atomic_store_n(&b.nchannels, slot + 1, __ATOMIC_RELEASE);
        }
        notify_linux(); // the proxy starts a thread for it
    }
    p.threads[slot].channel = &p.channels[slot];
    return &p.channels[slot];
}

uint64_t all_cpus() {
    return cpu_count() >= 64 ? ~uint64_t{0} : (uint64_t{1} << cpu_count()) - 1;
}

void job_fault(const arch::Frame& f) {
    // Linux's traps (arch/x86/kernel/traps.c, fault.c): the signal, its si_code and si_addr per vector.
    int sig = sig::SIGSEGV;
    int code = sig::SI_KERNEL;
    uint64_t addr = 0;
    switch (f.vector) {
    case 0: // #DE
        sig = sig::SIGFPE, code = sig::FPE_INTDIV, addr = f.rip;
        break;
    case 1: // #DB
        sig = sig::SIGTRAP, code = sig::TRAP_TRACE, addr = f.rip;
        break;
    case 3: // #BP (int3): si_addr 0, RIP after the instruction
        sig = sig::SIGTRAP;
        break;
    case 6: // #UD
        sig = sig::SIGILL, code = sig::ILL_ILLOPN, addr = f.rip;
        break;
    case 11: // #NP
    case 12: // #SS
        sig = sig::SIGBUS;
        break;
    case 14: // #PF: a present page (bit 0) is a protection fault
        code = (f.error & 1) != 0 ? sig::SEGV_ACCERR : sig::SEGV_MAPERR, addr = arch::read_cr2();
        break;
    case 16: // #MF
    case 19: // #XM
        sig = sig::SIGFPE, code = 0, addr = f.rip;
        break;
    case 17: // #AC
        sig = sig::SIGBUS, code = sig::BUS_ADRALN;
        break;
    default: // #GP, #OF, #BR, #NM and the rest: SIGSEGV, SI_KERNEL
        break;
    }
    signal_fault(*current_thread(), f, sig, code, addr);
}

void job_signal_from_linux(int sig) {
    if (!g_process.running || __atomic_load_n(&g_process.exiting, __ATOMIC_ACQUIRE)) {
        return;
    }
    sig::SigInfo si{};
    si.signo = sig;
    si.code = sig::SI_KERNEL;
    (void)signal_send_process(g_process, si);
}

void job_proxy_gone() {
    // In the doorbell interrupt on CPU 0, wherever CPU 0 was: the threads end on their way back to ring 3 or
    // out of their waits (proc/exit.hpp), and CPU 0's idle loop then reaps the job.
    if (g_process.running) {
        kprintf("job: its proxy on Linux is gone: ending it\n");
        process_kill(g_process, 128 + 9, 9);
    }
    if (g_jobs) {
        cokernel_job& b = *control_block();
        if (__atomic_load_n(&b.state, __ATOMIC_ACQUIRE) == COKERNEL_JOB_REQUESTED) {
            set_message(b, "not started: its proxy is gone");
            publish(b, COKERNEL_JOB_IDLE);
        }
    }
}

} // namespace ck

// Starting and ending a job (docs/run.md): the proxy fills struct cokernel_job and the staging area in the
// job region's control area, sets state REQUESTED and rings the doorbell (a PING); CPU 0's idle loop then
// loads the executable into the job's memory, maps it as user pages (2 MiB, mapped up front), gives its
// pages their protections (segments per p_flags, stack, guard gaps), builds the initial stack and enters
// ring 3. The job ends through exit/exit_group, a fatal signal or a CPU exception.
#include "job.hpp"

#include "console.hpp"
#include "cpu.hpp"
#include "format.hpp"
#include "initial_stack.hpp"
#include "kernel.hpp"
#include "load_plan.hpp"
#include "load_segments.hpp"
#include "page_table.hpp"
#include "paging.hpp"

#include <stdarg.h>

extern "C" uint64_t user_enter(uint64_t rip, uint64_t rsp, uint64_t* saved_rsp, void* tss_rsp0);
extern "C" [[noreturn]] void user_leave(uint64_t saved_rsp, uint64_t status);
extern "C" void syscall_entry();

namespace ck {
namespace {

constexpr uint64_t LARGE = 2ULL << 20;
constexpr uint64_t PAGE = 4096;
constexpr uint64_t USER_LINK = pte::PRESENT | pte::WRITE | pte::USER; // tables above a user page
constexpr uint64_t STACK_SIZE = 8ULL << 20;
constexpr uint32_t MAX_STRINGS = 4096;
constexpr uint32_t MSR_EFER = 0xc0000080, MSR_STAR = 0xc0000081, MSR_LSTAR = 0xc0000082,
                   MSR_FMASK = 0xc0000084, MSR_FS_BASE = 0xc0000100;

uint64_t g_region = 0;
uint64_t g_region_size = 0;
Job g_job;
PhysAllocator<64>* g_phys = nullptr; // for split tables (user_protect)
bool g_in_job = false;               // between user_enter and its return: an interrupt may end the job
const char* g_strings[MAX_STRINGS];

cokernel_job* control_block() {
    return phys_to_virt<cokernel_job>(g_region + g_region_size - COKERNEL_JOB_CTL_SIZE);
}
uint8_t* control_area() {
    return phys_to_virt<uint8_t>(g_region + g_region_size - COKERNEL_JOB_CTL_SIZE);
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

// Page tables for the job: 2 MiB user pages, read/write, no-execute where the CPU has it; protections are
// then set by user_protect, which splits a 2 MiB page into 4 KiB pages only where a boundary falls inside.
uint64_t* table(uint64_t* parent, unsigned idx, PhysAllocator<64>& phys) {
    if ((parent[idx] & pte::PRESENT) == 0) {
        const uint64_t page = phys.alloc(PhysAllocator<64>::PAGE);
        if (page == 0) {
            return nullptr;
        }
        memset(phys_to_virt<uint8_t>(page), 0, 4096);
        parent[idx] = page | USER_LINK;
    }
    return phys_to_virt<uint64_t>(parent[idx] & pte::ADDR);
}

bool map_user(uint64_t va, uint64_t pa, uint64_t size, PhysAllocator<64>& phys) {
    auto* pml4 = phys_to_virt<uint64_t>(paging_root());
    const uint64_t nx = paging_nx() ? pte::NX : 0;
    for (uint64_t off = 0; off < size; off += LARGE) {
        const uint64_t v = va + off;
        uint64_t* pdpt = table(pml4, (v >> 39) & 511, phys);
        uint64_t* pd = pdpt != nullptr ? table(pdpt, (v >> 30) & 511, phys) : nullptr;
        if (pd == nullptr) {
            return false;
        }
        pd[(v >> 21) & 511] = (pa + off) | pte::PRESENT | pte::WRITE | pte::USER | pte::LARGE | nx;
    }
    arch::write_cr3(arch::read_cr3());
    return true;
}

// Linux PROT_* bits as the PRESENT, WRITE and NX bits of a page.
uint64_t prot_access(uint32_t prot) {
    uint64_t access = 0;
    if ((prot & (elf::prot::READ | elf::prot::WRITE | elf::prot::EXEC)) != 0) {
        access |= pte::PRESENT; // on x86 without protection keys, write and execute imply read
    }
    if ((prot & elf::prot::WRITE) != 0) {
        access |= pte::WRITE;
    }
    if ((prot & elf::prot::EXEC) == 0 && paging_nx()) {
        access |= pte::NX;
    }
    return access;
}

// Drops every user mapping (the lower half) and frees its tables, split 4 KiB tables included.
void unmap_user(PhysAllocator<64>& phys) {
    DirectMapTables mem(phys);
    PageTableBuilder<DirectMapTables> pt(mem, paging_root());
    pt.for_each_split_table([&](uint64_t table) { mem.free_table(table); });
    auto* pml4 = phys_to_virt<uint64_t>(paging_root());
    for (unsigned i = 0; i < 256; ++i) {
        if ((pml4[i] & 1) == 0) {
            continue;
        }
        auto* pdpt = phys_to_virt<uint64_t>(pml4[i] & pte::ADDR);
        for (unsigned j = 0; j < 512; ++j) {
            if ((pdpt[j] & 1) != 0) {
                phys.free(pdpt[j] & pte::ADDR, PhysAllocator<64>::PAGE);
            }
        }
        phys.free(pml4[i] & pte::ADDR, PhysAllocator<64>::PAGE);
        pml4[i] = 0;
    }
    arch::write_cr3(arch::read_cr3());
}

// The initial protections: nothing below the first segment, each segment's p_flags (a page two segments
// share gets the union, as on Linux), the brk and mmap areas read/write, a not-present gap below the stack,
// the stack as PT_GNU_STACK says (read/write by default).
bool protect_image(const elf::LoadPlan& plan, uint64_t va, uint64_t mmap_top, uint64_t top) {
    if (!user_protect(va, plan.image_start - va, 0)) {
        return false;
    }
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
    return user_protect(mmap_top, top - STACK_SIZE - mmap_top, 0) &&
           user_protect(top - STACK_SIZE, STACK_SIZE, plan.stack_prot);
}

struct JobMemory {
    bool write(uint64_t addr, const uint8_t* src, uint64_t len) {
        uint8_t* p = user_ptr(addr, len);
        if (p == nullptr) {
            return len == 0;
        }
        memcpy(p, src, len);
        return true;
    }
    bool fill(uint64_t addr, uint8_t byte, uint64_t len) {
        uint8_t* p = user_ptr(addr, len);
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

void enter_job(cokernel_job& b, PhysAllocator<64>& phys, arch::CpuTables& tables) {
    const uint64_t elf_size = b.elf_size;
    const uint32_t argc = b.argc;
    const uint32_t envc = b.envc;
    const uint64_t args_size = b.args_size;
    if (elf_size > COKERNEL_JOB_ELF_MAX || args_size > COKERNEL_JOB_ARGS_SIZE || argc == 0 ||
        argc > MAX_STRINGS || envc > MAX_STRINGS - argc) {
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
    const uint64_t user_size = g_region_size - COKERNEL_JOB_CTL_SIZE;
    elf::LoadOptions opt{};
    opt.memory_limit = cokernel_job_image_limit(g_region_size);
    opt.pie_base = 0x400000;
    elf::LoadPlan plan{};
    if (const elf::Status st = elf::plan_load(elf, elf_size, opt, plan); !st.ok()) {
        set_message(b, "%s", st.message);
        publish(b, COKERNEL_JOB_REFUSED);
        return;
    }
    uint64_t va = plan.image_start & ~(LARGE - 1);
    if (va == 0 || plan.image_end - va > cokernel_job_image_limit(g_region_size)) {
        set_message(b, "the executable's segments do not fit the job region (%lu MiB at 0x%lx)",
                    user_size >> 20, plan.image_start);
        publish(b, COKERNEL_JOB_REFUSED);
        return;
    }
    Job& j = g_job;
    j = Job{};
    j.block = &b;
    j.va = va;
    j.size = user_size;
    j.phys = g_region;
    j.pid = b.pid;
    j.tsc_base = b.tsc_base;
    j.realtime_ns = b.realtime_ns;
    j.monotonic_ns = b.monotonic_ns;
    j.start_tsc = arch::rdtsc();
    memcpy(j.utsname, b.utsname, sizeof j.utsname);
    memcpy(j.delegate_native, b.delegate_native, sizeof j.delegate_native);
    memcpy(j.deny, b.deny, sizeof j.deny);
    g_phys = &phys;
    if (!map_user(va, g_region, user_size, phys)) {
        unmap_user(phys);
        set_message(b, "out of memory for the job's page tables");
        publish(b, COKERNEL_JOB_REFUSED);
        return;
    }
    JobMemory mem;
    (void)mem.fill(va, 0, plan.image_end - va);
    const uint64_t top = va + user_size;
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
    uint32_t a = 1, bx = 0, c = 0, d = 0;
    asm volatile("cpuid" : "+a"(a), "=b"(bx), "=c"(c), "=d"(d));
    args.hwcap = d;
    args.uid = b.uid;
    args.euid = b.euid;
    args.gid = b.gid;
    args.egid = b.egid;
    elf::StackLayout layout{};
    elf::Status st = elf::load_segments(mem, plan, elf, elf_size);
    if (st.ok()) {
        st = elf::build_initial_stack(mem, top - STACK_SIZE, top, plan, args, layout);
    }
    const uint64_t mmap_top = top - STACK_SIZE - LARGE; // a gap below the stack
    if (st.ok() && !protect_image(plan, va, mmap_top, top)) {
        st = elf::Status{elf::Error::too_large, "out of memory for the job's page tables"};
    }
    if (!st.ok()) {
        unmap_user(phys);
        set_message(b, "%s", st.message);
        publish(b, COKERNEL_JOB_REFUSED);
        return;
    }
    j.brk_start = j.brk = plan.brk_start;
    const uint64_t mmap_bottom = (j.brk_start + (mmap_top - j.brk_start) / 2 + 4095) & ~uint64_t{4095};
    j.mmap.init(mmap_bottom, mmap_top);
    j.brk_limit = mmap_bottom;
    auto* ch = reinterpret_cast<cokernel_deleg_channel*>(ctl + COKERNEL_JOB_CHANNEL_OFFSET);
    (void)deleg::channel_init(ch, COKERNEL_JOB_CHANNEL_SIZE, COKERNEL_JOB_CHANNEL_SLOTS, 0);
    deleg::CokernelEnd end(ch, COKERNEL_JOB_CHANNEL_SLOTS);
    j.channel = &end;
    b.user_va = va;
    b.user_size = user_size;
    b.exit_status = 0;
    b.signal = 0;
    b.message[0] = 0;
    kprintf("job: starting '%s' (%u argument(s)) at 0x%lx, memory 0x%lx-0x%lx\n", g_strings[0], argc,
            plan.entry, va, top - 1);
    publish(b, COKERNEL_JOB_RUNNING);
    asm volatile("fninit");
    const uint32_t mxcsr = 0x1f80;
    asm volatile("ldmxcsr %0" ::"m"(mxcsr));
    arch::wrmsr(MSR_FS_BASE, 0);
    g_in_job = true;
    const auto status = static_cast<int32_t>(
        user_enter(plan.entry, layout.rsp, &j.saved_rsp, reinterpret_cast<uint8_t*>(&tables.tss) + 4));
    g_in_job = false;
    unmap_user(phys);
    b.exit_status = status;
    b.signal = j.signal;
    b.native_calls = j.native_calls;
    b.delegated_calls = j.delegated_calls;
    if (j.signal != 0) {
        set_message(b, "killed by signal %u", j.signal);
    } else {
        set_message(b, "exited with status %d", status);
    }
    kprintf("job: %s (%lu native, %lu delegated syscalls)\n", b.message, j.native_calls, j.delegated_calls);
    j.channel = nullptr;
    publish(b, COKERNEL_JOB_EXITED);
    notify_linux(); // a proxy waiting for requests wakes up and sees the end
}

} // namespace

bool job_region_reserve(const cokernel_boot_params& bp, uint64_t& start, uint64_t& size) {
    const cokernel_mem_range& last = bp.ranges[bp.nranges - 1];
    uint64_t s = 0;
    const uint64_t r = cokernel_job_region(last.start, last.size, &s);
    if (r == 0 || r < bp.free_phys) {
        return false;
    }
    g_region = start = r;
    g_region_size = size = s;
    cokernel_job* b = control_block();
    memset(b, 0, 4096);
    b->hdr.signature = COKERNEL_SIGNATURE;
    b->hdr.revision = COKERNEL_JOB_REVISION;
    b->hdr.size = sizeof(cokernel_job);
    publish(*b, COKERNEL_JOB_IDLE);
    return true;
}

void job_cpu_init() {
    // SSE for ring 3: CR0.MP on, EM and TS off; CR4.OSFXSR and OSXMMEXCPT.
    uint64_t cr0 = 0;
    uint64_t cr4 = 0;
    asm volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 & ~uint64_t{(1u << 2) | (1u << 3)}) | (1u << 1);
    asm volatile("mov %0, %%cr0" ::"r"(cr0));
    asm volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 |= (1u << 9) | (1u << 10);
    asm volatile("mov %0, %%cr4" ::"r"(cr4));
    arch::wrmsr(MSR_EFER, arch::rdmsr(MSR_EFER) | 1); // SCE
    // SYSCALL: CS 0x08, SS 0x10. SYSRET: SS 0x20 + 8 = 0x28|3, CS 0x20 + 16 = 0x30|3.
    arch::wrmsr(MSR_STAR, (uint64_t{0x20} << 48) | (uint64_t{0x08} << 32));
    arch::wrmsr(MSR_LSTAR, reinterpret_cast<uint64_t>(&syscall_entry));
    arch::wrmsr(MSR_FMASK, 0x47700); // TF, DF, IF, IOPL, NT, AC
}

void job_poll(PhysAllocator<64>& phys, arch::CpuTables& tables) {
    if (g_region == 0) {
        return;
    }
    cokernel_job& b = *control_block();
    if (__atomic_load_n(&b.state, __ATOMIC_ACQUIRE) != COKERNEL_JOB_REQUESTED) {
        return;
    }
    if (b.hdr.signature != COKERNEL_SIGNATURE || b.hdr.revision != COKERNEL_JOB_REVISION ||
        b.hdr.size != sizeof(cokernel_job)) {
        set_message(b, "job block revision mismatch (co-kernel speaks %u)", COKERNEL_JOB_REVISION);
        publish(b, COKERNEL_JOB_REFUSED);
        return;
    }
    enter_job(b, phys, tables);
}

Job& current_job() {
    return g_job;
}

uint8_t* user_ptr(uint64_t va, uint64_t len) {
    const Job& j = g_job;
    if (va < j.va || va - j.va > j.size || len > j.size - (va - j.va) || len == 0) {
        return nullptr;
    }
    return phys_to_virt<uint8_t>(j.phys + (va - j.va));
}

bool user_protect(uint64_t va, uint64_t len, uint32_t prot) {
    if (len == 0) {
        return true;
    }
    DirectMapTables mem(*g_phys);
    PageTableBuilder<DirectMapTables> pt(mem, paging_root());
    const bool ok = pt.protect(va, len, prot_access(prot), USER_LINK);
    arch::write_cr3(arch::read_cr3()); // the job's pages are not global: this flushes them
    return ok;
}

void job_end(int32_t status, uint32_t signal) {
    g_job.signal = signal;
    user_leave(g_job.saved_rsp, static_cast<uint32_t>(status));
}

void job_fault(const arch::Frame& f) {
    uint32_t sig = 11; // SIGSEGV: #PF, #GP, #SS, #NP
    switch (f.vector) {
    case 0:
    case 16:
    case 19:
        sig = 8; // SIGFPE
        break;
    case 1:
    case 3:
        sig = 5; // SIGTRAP
        break;
    case 6:
        sig = 4; // SIGILL
        break;
    case 17:
        sig = 7; // SIGBUS
        break;
    default:
        break;
    }
    kprintf("job: exception %lu at RIP %016lx (CR2 %016lx, error 0x%lx): killed by signal %u\n", f.vector,
            f.rip, arch::read_cr2(), f.error, sig);
    job_end(static_cast<int32_t>(128 + sig), sig);
}

void job_proxy_gone() {
    // Interrupts reach CPU 0 only in its idle halt, in ring 3 and in the job's waits (delegated calls,
    // sleeps), never inside job_poll: the job is either running here or not started.
    if (g_in_job) {
        kprintf("job: its proxy on Linux is gone: ending it\n");
        job_end(128 + 9, 9);
    }
    if (g_region != 0) {
        cokernel_job& b = *control_block();
        if (__atomic_load_n(&b.state, __ATOMIC_ACQUIRE) == COKERNEL_JOB_REQUESTED) {
            set_message(b, "not started: its proxy is gone");
            publish(b, COKERNEL_JOB_IDLE);
        }
    }
}

} // namespace ck

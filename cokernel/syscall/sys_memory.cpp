// brk, mmap, munmap, mremap, madvise and mprotect of the calling thread's process (handlers.hpp). JobSpace
// (mm/job_space.hpp) decides which addresses are in use and answers with Linux's errnos; this file makes the
// page tables and the bytes follow: pages in use have their protection, free pages are not present, new pages
// read as zero. Each call first checks that the page tables can take what it may need (a protection change
// splits at most two 2 MiB pages), so once JobSpace has said yes nothing fails half-way: running out is
// ENOMEM and nothing changes. Each call holds the address space's lock: the job's threads share it, and
// user_protect shoots down the other CPUs' TLBs before the lock is let go. File mappings read their bytes
// through the proxy after the lock is let go (a delegated call waits, and may give the CPU away).
#include "console.hpp"
#include "delegate.hpp"
#include "errno.hpp"
#include "handlers.hpp"
#include "job_memory.hpp"
#include "mem.hpp"
#include "process.hpp"
#include "thread.hpp"
#include "user_space.hpp"

namespace ck {
namespace {

constexpr uint64_t PAGE = JobSpace<>::PAGE;
constexpr uint64_t PROT_RWX = 7;
constexpr uint32_t PROT_RW = 3;
constexpr unsigned TABLES = 4; // the most any call needs: two protection changes (mremap's move)

JobSpace<>& job_space(Thread& self) {
    return self.process->mem.space;
}

// Every caller has ruled out a length that rounds past 2^64.
constexpr uint64_t page_up(uint64_t v) {
    return JobSpace<>::page_up(v);
}

void zero(uint64_t va, uint64_t len) {
    if (len != 0) {
        memset(job_window(va, len), 0, len);
    }
}

} // namespace

// Growth: the new pages become read/write and zero. A shrink makes the brk pages above the new break not
// present; a page whose table split finds no page stays present (free, still the job's memory).
SysRet sys_brk(Thread& self, const Syscall& call) {
    const MemGuard guard(self.process->mem); // one change at a time, TLB shootdown included
    const uint64_t addr = call.arg[0];
    JobSpace<>& s = job_space(self);
    const uint64_t old = s.brk();
    if (addr < s.brk_start() || !tables_left(TABLES)) {
        return static_cast<int64_t>(old);
    }
    if (addr > old) {
        if (s.set_brk(addr) == MemResult::ok && page_up(addr) > page_up(old)) {
            (void)user_protect(page_up(old), page_up(addr) - page_up(old), PROT_RW);
            zero(page_up(old), page_up(addr) - page_up(old));
        }
        return static_cast<int64_t>(s.brk());
    }
    const uint64_t lo = page_up(addr);
    s.for_each_mapped(lo, page_up(old) - lo, [](uint64_t from, uint64_t to, PageKind kind) {
        if (kind == PageKind::brk) {
            (void)user_protect(from, to - from, 0);
        }
    });
    (void)s.set_brk(addr);
    return static_cast<int64_t>(s.brk());
}

namespace {

constexpr uint64_t MAP_SHARED = 1, MAP_TYPE = 0xf, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20,
                   MAP_FIXED_NOREPLACE = 0x100000;
constexpr uint64_t PROT_WRITE = 2;

// The job's descriptor fd as mmap needs it: its open flags (fcntl F_GETFL through the proxy), or -errno
// (EBADF for a closed or O_PATH descriptor, as Linux's fget in mmap).
int64_t file_flags(Thread& self, uint64_t fd) {
    constexpr uint64_t NR_FCNTL = 72, F_GETFL = 3, O_PATH = 010000000;
    const int64_t fl = delegate_to_proxy(self, Syscall{NR_FCNTL, {fd, F_GETFL, 0, 0, 0, 0}});
    if (fl >= 0 && (static_cast<uint64_t>(fl) & O_PATH) != 0) {
        return -EBADF;
    }
    return fl;
}

// Linux's do_mmap access checks for a file: readable for every mapping, writable too for a shared writable
// one. A shared writable mapping of a writable file would need its writes carried back to Linux's file:
// not done, refused with ENODEV (said once on the console).
int64_t check_file_access(uint64_t flags, uint64_t prot, int64_t open_flags) {
    constexpr int64_t O_ACCMODE = 3, O_WRONLY = 1, O_RDWR = 2;
    const int64_t mode = open_flags & O_ACCMODE;
    if (mode == O_WRONLY) {
        return -EACCES;
    }
    const bool shared = (flags & MAP_TYPE) == MAP_SHARED || (flags & MAP_TYPE) == 3; // or MAP_SHARED_VALIDATE
    if (shared && (prot & PROT_WRITE) != 0) {
        if (mode != O_RDWR) {
            return -EACCES;
        }
        static bool said = false;
        if (!said) {
            said = true;
            kprintf("job: a writable MAP_SHARED mapping of a file is not supported (ENODEV; docs/run.md)\n");
        }
        return -ENODEV;
    }
    return 0;
}

// The file's bytes [off, off + len) into the new mapping at addr, through the proxy's pread64 (the proxy
// writes job memory through its own mapping of it, whatever the pages' protection in the job). The rest,
// past the end of the file, stays zero. 0, or -errno: ENODEV for what cannot be read at an offset (a pipe, a
// socket, a directory: Linux has no mmap for them).
int64_t read_file_into(Thread& self, uint64_t fd, uint64_t addr, uint64_t len, uint64_t off) {
    constexpr uint64_t NR_PREAD64 = 17, MAX_READ = 0x7ffff000; // Linux's MAX_RW_COUNT
    uint64_t done = 0;
    while (done < len) {
        const uint64_t want = len - done < MAX_READ ? len - done : MAX_READ;
        const int64_t n =
            delegate_to_proxy(self, Syscall{NR_PREAD64, {fd, addr + done, want, off + done, 0, 0}});
        if (n == -ESPIPE || n == -EISDIR || n == -EINVAL) {
            return -ENODEV;
        }
        if (n < 0) {
            return n;
        }
        if (n == 0) {
            break; // the end of the file
        }
        done += static_cast<uint64_t>(n);
    }
    return 0;
}

} // namespace

// Anonymous mappings, private or shared (one process: the same), and file mappings: private ones (and
// read-only shared ones) get a copy of the file's bytes at mmap time, read through the proxy; writes stay in
// the job, later changes of the file are not seen, and pages past the end of the file read as zero (Linux:
// SIGBUS). MAP_NORESERVE, MAP_POPULATE, MAP_STACK, MAP_GROWSDOWN (no growth on faults), MAP_LOCKED,
// MAP_DENYWRITE and MAP_HUGETLB change nothing: every page is backed, and 2 MiB pages are used wherever the
// protections allow. Linux ignores fd (arg 4) for anonymous mappings.
SysRet sys_mmap(Thread& self, const Syscall& call) {
    const uint64_t addr = call.arg[0], len = call.arg[1], prot = call.arg[2], flags = call.arg[3],
                   fd = call.arg[4], off = call.arg[5];
    const bool file = (flags & MAP_ANONYMOUS) == 0;
    if (off % PAGE != 0) {
        return -EINVAL;
    }
    int64_t open_flags = 0;
    if (file && (open_flags = file_flags(self, fd)) < 0) {
        return open_flags;
    }
    if ((flags & MAP_TYPE) == 0 || (flags & MAP_TYPE) > 3 || len == 0) {
        return -EINVAL; // MAP_SHARED, MAP_PRIVATE or MAP_SHARED_VALIDATE
    }
    if (file) {
        if (const int64_t e = check_file_access(flags, prot, open_flags); e != 0) {
            return e;
        }
        if (len > UINT64_MAX - off) {
            return -EOVERFLOW;
        }
    }
    MapResult r{};
    {
        const MemGuard guard(self.process->mem); // one change at a time, TLB shootdown included
        if (!tables_left(TABLES)) {
            return -ENOMEM;
        }
        JobSpace<>& s = job_space(self);
        r = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) != 0
                ? s.map_fixed(addr, len, (flags & MAP_FIXED_NOREPLACE) != 0)
                : s.map(len, addr);
        if (r.result != MemResult::ok) {
            return -errno_of(r.result);
        }
        (void)user_protect(r.addr, r.len, static_cast<uint32_t>(prot & PROT_RWX));
        zero(r.addr, r.len);
    }
    if (file) {
        // A failure here leaves the range unmapped: what a MAP_FIXED replaced is gone, as on Linux when a
        // driver's mmap fails after the old mapping was taken down.
        if (const int64_t e = read_file_into(self, fd, r.addr, r.len, off); e != 0) {
            const MemGuard guard(self.process->mem);
            if (job_space(self).unmap(r.addr, r.len).result == MemResult::ok) {
                (void)user_protect(r.addr, r.len, 0);
            }
            return e;
        }
    }
    return static_cast<int64_t>(r.addr);
}

SysRet sys_munmap(Thread& self, const Syscall& call) {
    const MemGuard guard(self.process->mem); // one change at a time, TLB shootdown included
    const uint64_t addr = call.arg[0], len = call.arg[1];
    if (!user_range_ok(addr, len)) {
        return -EINVAL; // a kernel address, or past the user half (elsewhere outside the job: nothing to do)
    }
    if (!tables_left(TABLES)) {
        return -ENOMEM;
    }
    const MapResult r = job_space(self).unmap(addr, len);
    if (r.result != MemResult::ok) {
        return -errno_of(r.result);
    }
    (void)user_protect(r.addr, r.len, 0);
    return 0;
}

// What moves keeps the old range's protection (of its first page) and its bytes (copied through the window:
// a move never overlaps, JobSpace sees to that); growth is zero.
SysRet sys_mremap(Thread& self, const Syscall& call) {
    const MemGuard guard(self.process->mem); // one change at a time, TLB shootdown included
    const uint64_t old_addr = call.arg[0], old_len = call.arg[1], new_len = call.arg[2], flags = call.arg[3],
                   new_addr = call.arg[4];
    if (!tables_left(TABLES)) {
        return -ENOMEM;
    }
    JobSpace<>& s = job_space(self);
    const uint32_t prot = s.mapped(old_addr, 1) ? user_prot(old_addr) : 0;
    const MapResult r = s.remap(old_addr, old_len, new_len, flags, new_addr);
    if (r.result != MemResult::ok) {
        return -errno_of(r.result);
    }
    if (r.moved && r.kept != 0) {
        memcpy(job_window(r.addr, r.kept), job_window(r.freed, r.kept), r.kept);
    }
    zero(r.addr + r.kept, r.len - r.kept);
    if (r.moved) {
        (void)user_protect(r.addr, r.len, prot);
    } else {
        (void)user_protect(r.addr + r.kept, r.len - r.kept, prot);
    }
    (void)user_protect(r.freed, r.freed_len, 0);
    return static_cast<int64_t>(r.addr);
}

// MADV_DONTNEED and MADV_REMOVE zero the anonymous pages in the range (brk, mappings, the stack) now, which
// reads the same as Linux's zero fill on the next touch; the executable's pages keep their bytes. Other
// advice changes nothing. A range with pages not in use is ENOMEM, after the pages in use got the advice
// (Linux).
SysRet sys_madvise(Thread& self, const Syscall& call) {
    const MemGuard guard(self.process->mem); // one change at a time, TLB shootdown included
    const uint64_t addr = call.arg[0], len = call.arg[1], advice = call.arg[2];
    constexpr uint64_t MADV_DONTNEED = 4, MADV_REMOVE = 9;
    if (addr % PAGE != 0 || len > UINT64_MAX - (PAGE - 1) || page_up(len) > UINT64_MAX - addr) {
        return -EINVAL;
    }
    if (len == 0) {
        return 0;
    }
    JobSpace<>& s = job_space(self);
    if (advice == MADV_DONTNEED || advice == MADV_REMOVE) {
        s.for_each_mapped(addr, page_up(len), [](uint64_t from, uint64_t to, PageKind kind) {
            if (kind != PageKind::image) {
                zero(from, to - from);
            }
        });
    }
    return s.mapped(addr, len) ? 0 : -ENOMEM;
}

// Linux's checks, in its order: alignment, flags, length; a range with pages not in use is ENOMEM.
SysRet sys_mprotect(Thread& self, const Syscall& call) {
    const MemGuard guard(self.process->mem); // one change at a time, TLB shootdown included
    const uint64_t addr = call.arg[0], prot = call.arg[2];
    uint64_t len = call.arg[1];
    constexpr uint64_t PROT_GROWSDOWN = 0x01000000, PROT_GROWSUP = 0x02000000;
    if (addr % PAGE != 0) {
        return -EINVAL;
    }
    if ((prot & ~(PROT_RWX | PROT_GROWSDOWN | PROT_GROWSUP)) != 0 ||
        (prot & (PROT_GROWSDOWN | PROT_GROWSUP)) == (PROT_GROWSDOWN | PROT_GROWSUP)) {
        return -EINVAL;
    }
    if (len == 0) {
        return 0;
    }
    if (len > UINT64_MAX - PAGE || addr + page_up(len) <= addr) {
        return -ENOMEM;
    }
    len = page_up(len);
    if (!job_space(self).mapped(addr, len) || job_window(addr, len) == nullptr) {
        return -ENOMEM;
    }
    return user_protect(addr, len, static_cast<uint32_t>(prot & PROT_RWX)) ? 0 : -ENOMEM;
}

} // namespace ck

// Sends malformed requests straight to /dev/cokernel, bypassing the launcher, and checks that the module
// rejects each with the errno docs/module-interface.md gives for the check the case names, and changes
// nothing (CPUs online, enclave count). Every case starts from a request that is valid except for the one
// field it breaks, so the named check is the first to fail: without that check the request would go on to a
// later one (a CREATE ends at "memory another enclave holds": EBUSY, after the module took the free CPU and
// gave it back) or succeed, and the case would fail. Each case prints one line; tests/qemu/test_errors.sh
// checks how many passed.
//
// Runs in the VM as root with the module loaded and two enclaves: one partitioned (it holds a CPU and a
// memory range) and one running (for the job requests: JOB_ATTACH, JOB_START, JOB_WAIT and mmap of an
// attached file). A CPU other than 0 must be free and online, and some Movable memory block online.
#include <cokernel/abi.h>
#include <cokernel/job.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <grp.h>
#include <iterator>
#include <string>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

int failures = 0;
int checks = 0;
int dev = -1;
std::uint64_t block_size = 0;

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool write_file(const std::string& path, const char* text) {
    std::ofstream out(path);
    out << text;
    out.flush();
    return static_cast<bool>(out);
}

cokernel_hdr header(std::size_t size) {
    return {COKERNEL_SIGNATURE, COKERNEL_ABI_REVISION, static_cast<std::uint16_t>(size)};
}

unsigned enclave_count() {
    cokernel_list list{};
    list.hdr = header(sizeof(list));
    if (ioctl(dev, COKERNEL_IOC_LIST, &list) != 0) {
        std::perror("bad_ioctls: LIST");
        return ~0u;
    }
    return list.count;
}

void report(bool good, const std::string& line) {
    ++checks;
    if (!good) {
        ++failures;
    }
    std::printf("%s - %s\n", good ? "ok  " : "FAIL", line.c_str());
    std::fflush(stdout);
}

std::string errno_name(int e) {
    return e == 0 ? std::string("success") : std::strerror(e);
}

// The errno of the ioctl (0 when it succeeded), made by this process or, unprivileged, by a child that runs
// as uid and gid 65534 without capabilities (the descriptor was opened by root, as the launcher's is).
int ioctl_errno(int fd, unsigned long request, void* arg, bool unprivileged) {
    if (!unprivileged) {
        errno = 0;
        return ioctl(fd, request, arg) == 0 ? 0 : errno;
    }
    const pid_t child = fork();
    if (child == 0) {
        if (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 ||
            setresuid(65534, 65534, 65534) != 0) {
            _exit(255);
        }
        _exit(ioctl(fd, request, arg) == 0 ? 0 : errno & 0xff);
    }
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status)) {
        return -1;
    }
    return WEXITSTATUS(status);
}

// One case: the request must fail with exactly `want` and leave CPUs and enclaves as they were.
template <typename T>
void expect_errno(const std::string& name, unsigned long request, T arg, int want, int fd = -1,
                  bool unprivileged = false) {
    const std::string cpus_before = read_file("/sys/devices/system/cpu/online");
    const unsigned count_before = enclave_count();
    const int got = ioctl_errno(fd < 0 ? dev : fd, request, &arg, unprivileged);
    const bool unchanged =
        cpus_before == read_file("/sys/devices/system/cpu/online") && count_before == enclave_count();
    if (got == want && unchanged) {
        report(true, name + ": " + errno_name(got));
    } else {
        report(false, name + ": got " +
                          (got < 0 ? std::string("no result from the child") : errno_name(got)) + ", want " +
                          errno_name(want) + (unchanged ? "" : ", state changed"));
    }
}

// A valid request, as a control: the cases around it fail because of their one broken field.
template <typename T>
bool expect_success(const std::string& name, unsigned long request, T& arg, int fd) {
    errno = 0;
    const int rc = ioctl(fd, request, &arg);
    const int got = rc == 0 ? 0 : errno;
    report(got == 0, name + (got == 0 ? std::string(": succeeds") : ": " + errno_name(got)));
    return got == 0;
}

// mmap(2) itself, so that offsets reach the kernel as given (glibc's wrapper adds checks of its own).
int mmap_errno(int fd, std::uint64_t offset, std::uint64_t length, void** where) {
    errno = 0;
    const long r = syscall(SYS_mmap, nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
    *where = reinterpret_cast<void*>(r);
    return r == -1 ? errno : 0;
}

void expect_mmap(const std::string& name, int fd, std::uint64_t offset, std::uint64_t length, int want) {
    void* where = nullptr;
    const int got = mmap_errno(fd, offset, length, &where);
    if (got == 0) {
        munmap(where, length);
    }
    report(got == want,
           name + ": " +
               (got == want ? errno_name(got) : "got " + errno_name(got) + ", want " + errno_name(want)));
}

struct Enclave {
    std::int32_t id = -1;
    cokernel_info info{};
};

// The first enclave in the given state.
Enclave find_enclave(std::uint32_t state) {
    cokernel_list list{};
    list.hdr = header(sizeof(list));
    Enclave found;
    if (ioctl(dev, COKERNEL_IOC_LIST, &list) != 0) {
        return found;
    }
    for (std::uint32_t i = 0; i < list.count && i < COKERNEL_MAX_ENCLAVES; ++i) {
        cokernel_info info{};
        info.hdr = header(sizeof(info));
        info.id = list.ids[i];
        if (ioctl(dev, COKERNEL_IOC_INFO, &info) == 0 && info.state == state) {
            found.id = list.ids[i];
            found.info = info;
            return found;
        }
    }
    return found;
}

// An id no enclave has.
std::int32_t free_id() {
    for (std::int32_t id = COKERNEL_MAX_ENCLAVES - 1; id >= 0; --id) {
        cokernel_info info{};
        info.hdr = header(sizeof(info));
        info.id = id;
        if (ioctl(dev, COKERNEL_IOC_INFO, &info) != 0 && errno == ENOENT) {
            return id;
        }
    }
    return -1;
}

// A Linux CPU other than 0 that is online (and so not held by an enclave), or 0 when there is none.
std::uint32_t free_cpu() {
    for (std::uint32_t cpu = 1; cpu < 64; ++cpu) {
        const std::string state = read_file("/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/online");
        if (state.empty()) {
            break;
        }
        if (state[0] == '1') {
            return cpu;
        }
    }
    return 0;
}

// The lowest online memory block in the Movable zone (present RAM that no enclave holds and that can go
// offline, as the launcher's planner would pick it), or -1.
long online_block() {
    for (long n = 0; n < 65536; ++n) {
        const std::string base = "/sys/devices/system/memory/memory" + std::to_string(n);
        if (read_file(base + "/state").rfind("online", 0) == 0 &&
            read_file(base + "/valid_zones").rfind("Movable", 0) == 0) {
            return n;
        }
    }
    return -1;
}

std::uint32_t cpu = 0;      // free and online
std::uint64_t free_mem = 0; // an online Movable block

std::uint64_t held_mem = 0; // the partitioned enclave's first range

// A create request that is valid but for what each case changes: a free CPU and memory the partitioned
// enclave holds (a request that gets that far fails with EBUSY, the last check, after the module took the CPU
// offline and gave it back).
cokernel_create base_create() {
    cokernel_create c{};
    c.hdr = header(sizeof(c));
    c.ncpus = 1;
    c.cpus[0] = cpu;
    c.nranges = 1;
    c.ranges[0] = {held_mem, block_size};
    c.mem_size = block_size;
    return c;
}

void create_cases(const Enclave& held) {
    const auto create = [](const char* name, int want, auto change) {
        cokernel_create c = base_create();
        change(c);
        expect_errno(std::string("create: ") + name, COKERNEL_IOC_CREATE, c, want);
    };
    create("memory another enclave holds (the last check; the request is valid otherwise)", EBUSY,
           [](auto&) {});
    expect_errno("create: without CAP_SYS_ADMIN", COKERNEL_IOC_CREATE, base_create(), EPERM, -1, true);
    create("bad signature", EINVAL, [](auto& c) { c.hdr.signature = 0x12345678; });
    create("wrong ABI revision", EINVAL, [](auto& c) { c.hdr.revision = COKERNEL_ABI_REVISION + 1; });
    create("wrong size", EINVAL, [](auto& c) { c.hdr.size = sizeof(c) - 8; });
    create("unknown flag", EINVAL, [](auto& c) { c.flags |= 0x80; });
    create("mem_size not a multiple of the block size", EINVAL, [](auto& c) { c.mem_size = 4096; });
    create("mem_size larger than the candidates", EINVAL, [](auto& c) { c.mem_size = 2 * block_size; });
    create("no CPUs", EINVAL, [](auto& c) {
        c.ncpus = 0;
        c.cpus[0] = 0;
    });
    create("too many CPUs", EINVAL, [](auto& c) { c.ncpus = COKERNEL_MAX_ENCLAVE_CPUS + 1; });
    create("a cpus[] entry past ncpus is not 0", EINVAL, [](auto& c) { c.cpus[1] = cpu; });
    create("CPU beyond nr_cpu_ids", ENODEV, [](auto& c) { c.cpus[0] = 4096; });
    create("CPU 0", EPERM, [](auto& c) { c.cpus[0] = 0; });
    create("duplicate CPU", EINVAL, [](auto& c) {
        c.ncpus = 2;
        c.cpus[1] = cpu;
    });
    create("no memory", EINVAL, [](auto& c) {
        c.nranges = 0;
        c.ranges[0] = {};
    });
    create("too many ranges", EINVAL, [](auto& c) { c.nranges = COKERNEL_MAX_MEM_RANGES + 1; });
    create("a ranges[] entry past nranges is not zero", EINVAL, [](auto& c) {
        c.ranges[1] = {0, block_size};
    });
    create("unaligned start", EINVAL, [](auto& c) { c.ranges[0].start += 4096; });
    create("unaligned size", EINVAL, [](auto& c) { c.ranges[0].size = 4096; });
    create("empty range", EINVAL, [](auto& c) { c.ranges[0].size = 0; });
    create("range end overflows 64 bits", EINVAL, [](auto& c) {
        c.ranges[0] = {~std::uint64_t{0} - block_size + 1, 2 * block_size};
    });
    // 2^52: beyond MAX_PHYSMEM_BITS with 4-level (46) and 5-level (52) paging.
    create("range beyond the largest physical address", EINVAL,
           [](auto& c) { c.ranges[0].start = std::uint64_t{1} << 52; });
    create("overlapping ranges", EINVAL, [](auto& c) {
        c.nranges = 2;
        c.ranges[1] = c.ranges[0];
    });
    create("CPU already held by an enclave", EBUSY, [&](auto& c) { c.cpus[0] = held.info.cpus[0]; });
    // 1 TiB: below the largest physical address, but no RAM in the VM.
    create("range that is not present RAM", EINVAL,
           [](auto& c) { c.ranges[0].start = std::uint64_t{1} << 40; });

    // A CPU that Linux set aside itself: offline it through sysfs for this case only.
    const std::string online = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/online";
    if (write_file(online, "0")) {
        create("CPU offline", EINVAL, [](auto&) {});
        if (!write_file(online, "1")) {
            std::printf("# bad_ioctls: could not online CPU %u again\n", cpu);
        }
    } else {
        report(false, "create: CPU offline: could not offline CPU " + std::to_string(cpu) + " for the case");
    }
}

// COKERNEL_CREATE_TEMPORARY and KEEP on a file of their own: a temporary enclave of a free CPU and an online
// block, a second temporary one on the same file (EBUSY), KEEP's checks; closing the file destroys the
// enclave.
void temporary_cases(const Enclave& held) {
    const int file = open(COKERNEL_DEVICE, O_RDWR | O_CLOEXEC);
    const unsigned before = enclave_count();
    cokernel_create c = base_create();
    c.flags = COKERNEL_CREATE_TEMPORARY;
    c.ranges[0] = {free_mem, block_size};
    if (!expect_success("create: a temporary enclave", COKERNEL_IOC_CREATE, c, file)) {
        close(file);
        return;
    }
    cokernel_create again = base_create();
    again.flags = COKERNEL_CREATE_TEMPORARY;
    expect_errno("create: a second temporary enclave on one file", COKERNEL_IOC_CREATE, again, EBUSY, file);
    cokernel_keep k{};
    k.hdr = header(sizeof(k));
    k.id = c.id;
    k.flags = 1;
    expect_errno("keep: unknown flag", COKERNEL_IOC_KEEP, k, EINVAL, file);
    k.flags = 0;
    expect_errno("keep: without CAP_SYS_ADMIN", COKERNEL_IOC_KEEP, k, EPERM, file, true);
    expect_errno("keep: from another file", COKERNEL_IOC_KEEP, k, EPERM);
    k.id = held.id;
    expect_errno("keep: an enclave that is not this file's temporary one", COKERNEL_IOC_KEEP, k, EPERM, file);
    close(file);
    report(enclave_count() == before, "create: closing the file destroys its temporary enclave");
}

void table_cases(const Enclave& held) {
    const std::int32_t missing = free_id();
    cokernel_destroy d{};
    d.hdr = header(sizeof(d));
    d.id = held.id;
    expect_errno("destroy: without CAP_SYS_ADMIN", COKERNEL_IOC_DESTROY, d, EPERM, -1, true);
    d.hdr.signature = 0x12345678;
    expect_errno("destroy: bad signature", COKERNEL_IOC_DESTROY, d, EINVAL);
    d.hdr = header(sizeof(d));
    d.flags = 1;
    expect_errno("destroy: unknown flag", COKERNEL_IOC_DESTROY, d, EINVAL);
    d.flags = 0;
    for (const std::int32_t id : {missing, std::int32_t{-1}, std::int32_t{COKERNEL_MAX_ENCLAVES}}) {
        d.id = id;
        expect_errno("destroy: no enclave " + std::to_string(id), COKERNEL_IOC_DESTROY, d, ENOENT);
    }

    cokernel_info info{};
    info.hdr = header(sizeof(info));
    info.id = held.id;
    info.hdr.signature = 0x12345678;
    expect_errno("info: bad signature", COKERNEL_IOC_INFO, info, EINVAL);
    info.hdr = header(sizeof(info));
    for (const std::int32_t id : {missing, std::int32_t{-1}, std::int32_t{COKERNEL_MAX_ENCLAVES}}) {
        info.id = id;
        expect_errno("info: no enclave " + std::to_string(id), COKERNEL_IOC_INFO, info, ENOENT);
    }

    // INFO without CAP_SYS_ADMIN (the proxy's file after it dropped root): sizes, but no physical address.
    const pid_t child = fork();
    if (child == 0) {
        cokernel_info hidden{};
        hidden.hdr = header(sizeof(hidden));
        hidden.id = held.id;
        if (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 ||
            setresuid(65534, 65534, 65534) != 0 || ioctl(dev, COKERNEL_IOC_INFO, &hidden) != 0)
            _exit(2);
        _exit((hidden.flags & COKERNEL_INFO_ADDR_HIDDEN) && hidden.ranges[0].start == 0 &&
                      hidden.ranges[0].size == held.info.ranges[0].size
                  ? 0
                  : 1);
    }
    int status = -1;
    waitpid(child, &status, 0);
    report(WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "info: without CAP_SYS_ADMIN the ranges' starts are hidden, their sizes not");

    cokernel_list list{};
    list.hdr = header(sizeof(list));
    list.hdr.signature = 0x12345678;
    expect_errno("list: bad signature", COKERNEL_IOC_LIST, list, EINVAL);
    list.hdr = header(sizeof(list));
    list.pad = 1;
    expect_errno("list: nonzero padding", COKERNEL_IOC_LIST, list, EINVAL);
    cokernel_version v{};
    v.hdr = header(sizeof(v));
    v.hdr.revision = COKERNEL_ABI_REVISION + 1;
    expect_errno("version: wrong ABI revision", COKERNEL_IOC_VERSION, v, EINVAL);

    cokernel_boot b{};
    b.hdr = header(sizeof(b));
    b.id = held.id;
    b.image = reinterpret_cast<std::uintptr_t>(&b);
    b.image_size = sizeof(b);
    b.timeout_ms = COKERNEL_BOOT_TIMEOUT_MAX_MS + 1;
    expect_errno("boot: timeout beyond 60 s", COKERNEL_IOC_BOOT, b, EINVAL);
    b.timeout_ms = 0;
    b.image_size = 0;
    expect_errno("boot: empty image", COKERNEL_IOC_BOOT, b, EINVAL);
    b.image_size = sizeof(b);
    std::memset(b.cmdline, 'x', sizeof(b.cmdline));
    expect_errno("boot: command line without NUL", COKERNEL_IOC_BOOT, b, EINVAL);
    b.cmdline[0] = '\0';
    expect_errno("boot: not a co-kernel image", COKERNEL_IOC_BOOT, b, ENOEXEC);

    list.pad = 0;
    expect_errno("unknown ioctl number", _IOWR(COKERNEL_IOC_MAGIC, 0x7f, cokernel_list), list, ENOTTY);
    expect_errno("known number, other size", _IOWR(COKERNEL_IOC_MAGIC, 0x03, cokernel_version), v, ENOTTY);
}

cokernel_job_attach attach_request(std::int32_t id, std::uint32_t flags) {
    cokernel_job_attach a{};
    a.hdr = header(sizeof(a));
    a.id = id;
    a.flags = flags;
    return a;
}

int open_dev() {
    return open(COKERNEL_DEVICE, O_RDWR | O_CLOEXEC);
}

// JOB_ATTACH, JOB_START, JOB_WAIT and mmap on the running enclave. The files stay open until the program
// exits; the proxy's release only tells the co-kernel to end a job it never started.
void job_cases(const Enclave& running, const Enclave& partitioned) {
    const int plain = open_dev();    // never attached
    const int attached = open_dev(); // attached without flags
    const int proxy = open_dev();    // attached as the proxy
    const int second = open_dev();   // a second proxy, refused
    if (plain < 0 || attached < 0 || proxy < 0 || second < 0) {
        report(false, "job: open " COKERNEL_DEVICE " four times");
        return;
    }
    const std::int32_t missing = free_id();
    cokernel_job_attach a = attach_request(running.id, 0);
    a.hdr.signature = 0x12345678;
    expect_errno("job attach: bad signature", COKERNEL_IOC_JOB_ATTACH, a, EINVAL, attached);
    a = attach_request(running.id, 0);
    a.hdr.size = sizeof(a) - 8;
    expect_errno("job attach: wrong size", COKERNEL_IOC_JOB_ATTACH, a, EINVAL, attached);
    expect_errno("job attach: unknown flag", COKERNEL_IOC_JOB_ATTACH, attach_request(running.id, 4), EINVAL,
                 attached);
    expect_errno("job attach: no such enclave", COKERNEL_IOC_JOB_ATTACH, attach_request(missing, 0), ENOENT,
                 attached);
    expect_errno("job attach: enclave not running (partitioned)", COKERNEL_IOC_JOB_ATTACH,
                 attach_request(partitioned.id, 0), ESRCH, attached);
    expect_errno("job attach: without CAP_SYS_ADMIN", COKERNEL_IOC_JOB_ATTACH, attach_request(running.id, 0),
                 EPERM, attached, true);
    a = attach_request(running.id, 0);
    if (!expect_success("job attach: a valid request", COKERNEL_IOC_JOB_ATTACH, a, attached)) {
        a.region_size = 0;
    }
    const std::uint64_t region = a.region_size;
    expect_errno("job attach: the same file twice", COKERNEL_IOC_JOB_ATTACH, attach_request(running.id, 0),
                 EBUSY, attached);
    cokernel_job_attach p = attach_request(running.id, COKERNEL_JOB_ATTACH_PROXY);
    expect_success("job attach: the proxy", COKERNEL_IOC_JOB_ATTACH, p, proxy);
    expect_errno("job attach: a second proxy", COKERNEL_IOC_JOB_ATTACH,
                 attach_request(running.id, COKERNEL_JOB_ATTACH_PROXY), EBUSY, second);

    cokernel_job_start s{};
    s.hdr = header(sizeof(s));
    s.hdr.signature = 0x12345678;
    expect_errno("job start: bad signature", COKERNEL_IOC_JOB_START, s, EINVAL, proxy);
    s.hdr = header(sizeof(s));
    s.flags = 1;
    expect_errno("job start: flags not 0", COKERNEL_IOC_JOB_START, s, EINVAL, proxy);
    s.flags = 0;
    s.pad = 1;
    expect_errno("job start: pad not 0", COKERNEL_IOC_JOB_START, s, EINVAL, proxy);
    s.pad = 0;
    expect_errno("job start: a file attached without the proxy flag", COKERNEL_IOC_JOB_START, s, EINVAL,
                 attached);
    expect_errno("job start: a file never attached", COKERNEL_IOC_JOB_START, s, EINVAL, plain);

    cokernel_job_wait w{};
    w.hdr = header(sizeof(w));
    w.timeout_us = 1000000;
    w.count = ~std::uint64_t{0}; // never the current count: returns at once
    cokernel_job_wait valid = w;
    expect_success("job wait: timeout_us 1000000 (the largest) on the proxy's file", COKERNEL_IOC_JOB_WAIT,
                   valid, proxy);
    w.hdr.signature = 0x12345678;
    expect_errno("job wait: bad signature", COKERNEL_IOC_JOB_WAIT, w, EINVAL, proxy);
    w.hdr = header(sizeof(w));
    w.timeout_us = 0;
    expect_errno("job wait: timeout_us 0", COKERNEL_IOC_JOB_WAIT, w, EINVAL, proxy);
    w.timeout_us = 1000001;
    expect_errno("job wait: timeout_us 1000001", COKERNEL_IOC_JOB_WAIT, w, EINVAL, proxy);
    w.timeout_us = 1000;
    w.pad = 1;
    expect_errno("job wait: pad not 0", COKERNEL_IOC_JOB_WAIT, w, EINVAL, proxy);
    w.pad = 0;
    expect_errno("job wait: a file attached without the proxy flag", COKERNEL_IOC_JOB_WAIT, w, EINVAL,
                 attached);
    expect_errno("job wait: a file never attached", COKERNEL_IOC_JOB_WAIT, w, EINVAL, plain);

    cokernel_job_seal seal{};
    seal.hdr = header(sizeof(seal));
    seal.flags = 1;
    expect_errno("job seal: flags not 0", COKERNEL_IOC_JOB_SEAL, seal, EINVAL, proxy);
    seal.flags = 0;
    seal.pad = 1;
    expect_errno("job seal: pad not 0", COKERNEL_IOC_JOB_SEAL, seal, EINVAL, proxy);
    seal.pad = 0;
    expect_errno("job seal: a file attached without the proxy flag", COKERNEL_IOC_JOB_SEAL, seal, EINVAL,
                 attached);
    expect_errno("job seal: a file never attached", COKERNEL_IOC_JOB_SEAL, seal, EINVAL, plain);

    cokernel_job_signal sg{};
    sg.hdr = header(sizeof(sg));
    sg.signo = 0;
    expect_errno("job signal: signal 0", COKERNEL_IOC_JOB_SIGNAL, sg, EINVAL, proxy);
    sg.signo = 65;
    expect_errno("job signal: signal 65", COKERNEL_IOC_JOB_SIGNAL, sg, EINVAL, proxy);
    sg.signo = 15;
    sg.pad = 1;
    expect_errno("job signal: pad not 0", COKERNEL_IOC_JOB_SIGNAL, sg, EINVAL, proxy);
    sg.pad = 0;
    expect_errno("job signal: a file attached without the proxy flag", COKERNEL_IOC_JOB_SIGNAL, sg, EINVAL,
                 attached);
    expect_errno("job signal: a file never attached", COKERNEL_IOC_JOB_SIGNAL, sg, EINVAL, plain);

    constexpr std::uint64_t page = 4096;
    expect_mmap("mmap: before attach", plain, 0, page, EINVAL);
    if (region == 0) {
        report(false, "mmap: no region size from the attach: the bounds cases cannot run");
        return;
    }
    expect_mmap("mmap: the whole region", attached, 0, region, 0);
    expect_mmap("mmap: offset at the region's end", attached, region, page, EINVAL);
    expect_mmap("mmap: offset beyond the region", attached, region + 512 * page, page, EINVAL);
    expect_mmap("mmap: the last page and one more", attached, region - page, 2 * page, EINVAL);
    expect_mmap("mmap: the whole region and one page more", attached, 0, region + page, EINVAL);
    // offset + length wraps around 2^64: Linux's mmap refuses it before the module sees it.
    expect_mmap("mmap: offset + length wraps around", attached, ~std::uint64_t{0} - page + 1, 2 * page,
                EOVERFLOW);
    // The largest offset Linux passes on to the module with one page.
    expect_mmap("mmap: offset 2^64 - 8 KiB", attached, ~std::uint64_t{0} - 2 * page + 1, page, EINVAL);
}

} // namespace

int main() {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    dev = open_dev();
    if (dev < 0) {
        std::perror("bad_ioctls: " COKERNEL_DEVICE);
        return 1;
    }
    cokernel_version v{};
    v.hdr = header(sizeof(v));
    if (ioctl(dev, COKERNEL_IOC_VERSION, &v) != 0 || v.block_size == 0) {
        std::perror("bad_ioctls: VERSION");
        return 1;
    }
    block_size = v.block_size;
    cpu = free_cpu();
    const long block = online_block();
    const Enclave partitioned = find_enclave(COKERNEL_STATE_PARTITIONED);
    const Enclave running = find_enclave(COKERNEL_STATE_RUNNING);
    if (cpu == 0 || block < 0 || partitioned.id < 0 || running.id < 0) {
        std::printf(
            "FAIL - setup: need a free CPU (%u), an online memory block (%ld), a partitioned (%d) and a "
            "running enclave (%d)\n",
            cpu, block, partitioned.id, running.id);
        return 1;
    }
    free_mem = static_cast<std::uint64_t>(block) * block_size;
    held_mem = partitioned.info.ranges[0].start;
    std::printf("# CPU %u, memory block %ld, partitioned enclave %d, running enclave %d\n", cpu, block,
                partitioned.id, running.id);

    create_cases(partitioned);
    temporary_cases(partitioned);
    table_cases(partitioned);
    job_cases(running, partitioned);

    std::printf("# bad_ioctls: %d checks, %d failed\n", checks, failures);
    return failures == 0 && checks > 0 ? 0 : 1;
}

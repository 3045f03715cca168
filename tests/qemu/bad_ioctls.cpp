// Sends malformed requests straight to /dev/cokernel, bypassing the launcher, and checks that the module
// rejects each with the documented errno and changes nothing (CPUs online, enclave count). Runs in the VM as
// root, with the module loaded and no memory block offline.
#include <cokernel/abi.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>

namespace {

int failures = 0;
int checks = 0;
int dev = -1;
std::uint64_t block_size = 0;
cokernel_mem_range held{}; // the memory of enclave 0

std::string read_file(const char* path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

unsigned enclave_count() {
    cokernel_list list{};
    list.hdr = {COKERNEL_SIGNATURE, COKERNEL_ABI_REVISION, sizeof(list)};
    if (ioctl(dev, COKERNEL_IOC_LIST, &list) != 0) {
        std::perror("bad_ioctls: LIST");
        return ~0u;
    }
    return list.count;
}

template <typename T>
void expect_errno(const char* name, unsigned long request, T arg, int want) {
    ++checks;
    const std::string cpus_before = read_file("/sys/devices/system/cpu/online");
    const unsigned count_before = enclave_count();
    errno = 0;
    const int rc = ioctl(dev, request, &arg);
    const int got = errno;
    const bool unchanged =
        cpus_before == read_file("/sys/devices/system/cpu/online") && count_before == enclave_count();
    if (rc == -1 && (want == 0 ? got != 0 : got == want) && unchanged) {
        std::printf("ok   - %s: %s\n", name, std::strerror(got));
        return;
    }
    ++failures;
    std::printf("FAIL - %s: rc %d errno %s (want %s)%s\n", name, rc, std::strerror(got),
                want ? std::strerror(want) : "any error", unchanged ? "" : ", state changed");
}

cokernel_hdr header(std::uint16_t size) {
    return {COKERNEL_SIGNATURE, COKERNEL_ABI_REVISION, size};
}

// A create request that would be valid but for what each case changes: CPU 1 and the memory of enclave 0
// (the QEMU test creates it first), so a request that gets that far fails with EBUSY.
cokernel_create base_create() {
    cokernel_create c{};
    c.hdr = header(sizeof(c));
    c.ncpus = 1;
    c.cpus[0] = 1;
    c.nranges = 1;
    c.ranges[0] = held;
    return c;
}

} // namespace

int main() {
    dev = open(COKERNEL_DEVICE, O_RDWR | O_CLOEXEC);
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
    cokernel_info held_info{};
    held_info.hdr = header(sizeof(held_info));
    held_info.id = 0;
    if (ioctl(dev, COKERNEL_IOC_INFO, &held_info) != 0 || held_info.nranges == 0) {
        std::perror("bad_ioctls: INFO of enclave 0 (create one first)");
        return 1;
    }
    held = held_info.ranges[0];

    cokernel_create c = base_create();
    c.hdr.signature = 0x12345678;
    expect_errno("create: bad signature", COKERNEL_IOC_CREATE, c, EINVAL);
    c = base_create();
    c.hdr.revision = COKERNEL_ABI_REVISION + 1;
    expect_errno("create: wrong ABI revision", COKERNEL_IOC_CREATE, c, EINVAL);
    c = base_create();
    c.hdr.size = sizeof(c) - 8;
    expect_errno("create: wrong size", COKERNEL_IOC_CREATE, c, EINVAL);
    c = base_create();
    c.flags = 0x80;
    expect_errno("create: unknown flag", COKERNEL_IOC_CREATE, c, EINVAL);
    c = base_create();
    c.ncpus = 0;
    expect_errno("create: no CPUs", COKERNEL_IOC_CREATE, c, EINVAL);
    c = base_create();
    c.ncpus = COKERNEL_MAX_ENCLAVE_CPUS + 1;
    expect_errno("create: too many CPUs", COKERNEL_IOC_CREATE, c, EINVAL);
    c = base_create();
    c.cpus[0] = 0;
    expect_errno("create: CPU 0", COKERNEL_IOC_CREATE, c, 0);
    c = base_create();
    c.cpus[0] = 4096;
    expect_errno("create: CPU beyond nr_cpu_ids", COKERNEL_IOC_CREATE, c, ENODEV);
    c = base_create();
    c.ncpus = 2;
    c.cpus[1] = 1;
    expect_errno("create: duplicate CPU", COKERNEL_IOC_CREATE, c, EINVAL);
    c = base_create();
    c.nranges = 0;
    expect_errno("create: no memory", COKERNEL_IOC_CREATE, c, EINVAL);
    c = base_create();
    c.nranges = COKERNEL_MAX_MEM_RANGES + 1;
    expect_errno("create: too many ranges", COKERNEL_IOC_CREATE, c, EINVAL);
    c = base_create();
    c.ranges[0].start += 4096;
    expect_errno("create: unaligned start", COKERNEL_IOC_CREATE, c, EINVAL);
    c = base_create();
    c.ranges[0].size = 4096;
    expect_errno("create: unaligned size", COKERNEL_IOC_CREATE, c, EINVAL);
    c = base_create();
    c.ranges[0].size = 0;
    expect_errno("create: empty range", COKERNEL_IOC_CREATE, c, EINVAL);
    c = base_create();
    c.ranges[0] = {~std::uint64_t{0} - block_size + 1, block_size * 2};
    expect_errno("create: range wraps around", COKERNEL_IOC_CREATE, c, EINVAL);
    c = base_create();
    c.ranges[0].start = block_size * 1024 * 1024;
    expect_errno("create: range beyond RAM", COKERNEL_IOC_CREATE, c, EINVAL);
    c = base_create();
    expect_errno("create: memory held by another enclave", COKERNEL_IOC_CREATE, c, EBUSY);
    c = base_create();
    c.nranges = 2;
    c.ranges[1] = c.ranges[0];
    expect_errno("create: overlapping ranges", COKERNEL_IOC_CREATE, c, 0);

    cokernel_destroy d{};
    d.hdr = header(sizeof(d));
    d.id = 9;
    expect_errno("destroy: no such enclave", COKERNEL_IOC_DESTROY, d, ENOENT);
    d.id = -1;
    expect_errno("destroy: negative id", COKERNEL_IOC_DESTROY, d, 0);
    d.id = 0;
    d.flags = 1;
    expect_errno("destroy: unknown flag", COKERNEL_IOC_DESTROY, d, EINVAL);
    cokernel_info info{};
    info.hdr = header(sizeof(info));
    info.id = 15;
    expect_errno("info: no such enclave", COKERNEL_IOC_INFO, info, ENOENT);
    cokernel_list list{};
    list.hdr = header(sizeof(list));
    list.pad = 1;
    expect_errno("list: nonzero padding", COKERNEL_IOC_LIST, list, EINVAL);
    expect_errno("unknown ioctl", _IOWR(COKERNEL_IOC_MAGIC, 0x7f, cokernel_list), list, ENOTTY);

    std::printf("# bad_ioctls: %d checks, %d failed\n", checks, failures);
    return failures == 0 && checks > 0 ? 0 : 1;
}

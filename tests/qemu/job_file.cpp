// job_file: what a process holding an attached /dev/cokernel file can still do with it, for the QEMU tests of
// the job attachment (tests/qemu/test_stale_job_attachment.sh). Static, no launcher.
//
//   job_file stale ID FIFO    attach to enclave ID (not as its proxy), drop to nobody, print "attached", wait
//                             until FIFO yields a line, then try to map the job space: prints
//                             "mmap: ok" or "mmap: <errno name>". The test destroys the enclave and creates a
//                             new one with the same id meanwhile: the old attachment must map nothing.
//   job_file sealed ID        attach to idle enclave ID as its proxy, map the control area, seal, then try
//                             what a thief of the sealed file would: one line per attempt, "NAME: ok" or
//                             "NAME: <errno name>".
#include "cokernel_request.hpp"

#include <cokernel/abi.h>
#include <cokernel/job.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace {

const char* errno_name(int e) {
    switch (e) {
    case 0:
        return "ok";
    case EPERM:
        return "EPERM";
    case ENOENT:
        return "ENOENT";
    case ESRCH:
        return "ESRCH";
    case EINVAL:
        return "EINVAL";
    case EBUSY:
        return "EBUSY";
    case ENODEV:
        return "ENODEV";
    case EACCES:
        return "EACCES";
    case ETIMEDOUT:
        return "ETIMEDOUT";
    default:
        return "other";
    }
}

template <class T>
int try_ioctl(int fd, unsigned long request, T& arg) {
    return ioctl(fd, request, &arg) == 0 ? 0 : errno;
}

int try_mmap(int fd, std::uint64_t offset, std::size_t len) {
    void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(offset));
    if (p == MAP_FAILED)
        return errno;
    munmap(p, len);
    return 0;
}

int open_device() {
    const int fd = open(COKERNEL_DEVICE, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        std::perror("job_file: " COKERNEL_DEVICE);
        std::exit(2);
    }
    return fd;
}

bool attach(int fd, int id, std::uint32_t flags, cokernel_job_attach& a) {
    a = cokernel_request<cokernel_job_attach>();
    a.id = id;
    a.flags = flags;
    if (const int e = try_ioctl(fd, COKERNEL_IOC_JOB_ATTACH, a); e != 0) {
        std::printf("attach: %s\n", errno_name(e));
        return false;
    }
    return true;
}

int stale(int id, const char* fifo) {
    const int fd = open_device();
    cokernel_job_attach a{};
    if (!attach(fd, id, 0, a))
        return 1;
    // What the attacker held: a root-opened, attached file in the hands of user nobody.
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) {
        std::perror("job_file: drop to nobody");
        return 2;
    }
    std::printf("attached\n");
    std::fflush(stdout);
    FILE* go = std::fopen(fifo, "r");
    char line[16];
    if (go == nullptr || std::fgets(line, sizeof line, go) == nullptr) {
        std::perror("job_file: fifo");
        return 2;
    }
    std::printf("mmap: %s\n", errno_name(try_mmap(fd, 0, 2u << 20)));
    std::printf("mmap ctl: %s\n", errno_name(try_mmap(fd, a.ctl_offset, 4096)));
    return 0;
}

int sealed(int id) {
    const int fd = open_device();
    cokernel_job_attach a{};
    if (!attach(fd, id, COKERNEL_JOB_ATTACH_PROXY, a))
        return 1;
    std::printf("mmap ctl before seal: %s\n", errno_name(try_mmap(fd, a.ctl_offset, 4096)));
    auto first = cokernel_request<cokernel_job_start>();
    std::printf("job start: %s\n", errno_name(try_ioctl(fd, COKERNEL_IOC_JOB_START, first)));
    std::printf("job start again: %s\n", errno_name(try_ioctl(fd, COKERNEL_IOC_JOB_START, first)));
    auto seal = cokernel_request<cokernel_job_seal>();
    std::printf("seal: %s\n", errno_name(try_ioctl(fd, COKERNEL_IOC_JOB_SEAL, seal)));
    std::printf("mmap ctl after seal: %s\n", errno_name(try_mmap(fd, a.ctl_offset, 4096)));
    std::printf("mmap job memory after seal: %s\n", errno_name(try_mmap(fd, 0, 2u << 20)));
    auto start = cokernel_request<cokernel_job_start>();
    std::printf("job start after seal: %s\n", errno_name(try_ioctl(fd, COKERNEL_IOC_JOB_START, start)));
    auto info = cokernel_request<cokernel_info>();
    info.id = id;
    std::printf("info after seal: %s\n", errno_name(try_ioctl(fd, COKERNEL_IOC_INFO, info)));
    auto version = cokernel_request<cokernel_version>();
    std::printf("version after seal: %s\n", errno_name(try_ioctl(fd, COKERNEL_IOC_VERSION, version)));
    cokernel_job_attach again{};
    std::printf("attach after seal: %s\n",
                attach(fd, id, 0, again) ? "ok" : "refused"); // attach() printed the errno
    auto wait = cokernel_request<cokernel_job_wait>();
    wait.timeout_us = 1000;
    std::printf("job wait after seal: %s\n", errno_name(try_ioctl(fd, COKERNEL_IOC_JOB_WAIT, wait)));
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 4 && std::string(argv[1]) == "stale")
        return stale(std::atoi(argv[2]), argv[3]);
    if (argc == 3 && std::string(argv[1]) == "sealed")
        return sealed(std::atoi(argv[2]));
    std::fprintf(stderr, "usage: job_file stale ID FIFO | job_file sealed ID\n");
    return 2;
}

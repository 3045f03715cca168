// ckctl: the boot-step ioctls from the command line, for QEMU tests and debugging (static, no launcher).
//   ckctl boot ID IMAGE [CMDLINE [TIMEOUT_MS]]   ckctl console ID   ckctl ping ID [COUNT]   ckctl fault ID
//   KIND ckctl create CPU START SIZE     a raw CREATE of one CPU and one memory range (no planner, permanent)
#include "cokernel_request.hpp"

#include <cokernel/boot.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/ioctl.h>
#include <unistd.h>
#include <vector>

namespace {

int fail(const char* what) {
    std::fprintf(stderr, "ckctl: %s: %s\n", what, std::strerror(errno));
    return 1;
}

int boot(int fd, int id, const char* path, const char* cmdline, uint32_t timeout_ms) {
    std::vector<char> image;
    FILE* f = std::fopen(path, "rb");
    if (f == nullptr) {
        return fail(path);
    }
    char buf[65536];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        image.insert(image.end(), buf, buf + n);
    }
    std::fclose(f);
    auto req = cokernel_request<cokernel_boot>();
    req.id = id;
    req.image = reinterpret_cast<uintptr_t>(image.data());
    req.image_size = image.size();
    req.timeout_ms = timeout_ms;
    std::snprintf(req.cmdline, sizeof req.cmdline, "%s", cmdline);
    if (ioctl(fd, COKERNEL_IOC_BOOT, &req) != 0) {
        return fail("boot");
    }
    std::printf("enclave %d booted\n", id);
    return 0;
}

int console(int fd, int id) {
    uint64_t pos = 0;
    std::vector<char> buf(65536);
    for (;;) {
        auto req = cokernel_request<cokernel_console_read>();
        req.id = id;
        req.len = static_cast<uint32_t>(buf.size());
        req.pos = pos;
        req.buf = reinterpret_cast<uintptr_t>(buf.data());
        if (ioctl(fd, COKERNEL_IOC_CONSOLE, &req) != 0) {
            return fail("console");
        }
        if (req.lost != 0) {
            std::printf("[%llu bytes lost]\n", static_cast<unsigned long long>(req.lost));
        }
        std::fwrite(buf.data(), 1, req.len, stdout);
        pos = req.pos;
        if (req.len == 0) {
            return 0;
        }
    }
}

int command(int fd, int id, uint32_t cmd, uint64_t arg, int count) {
    for (int i = 0; i < count; ++i) {
        auto req = cokernel_request<cokernel_command>();
        req.id = id;
        req.cmd = cmd;
        req.arg = arg;
        if (ioctl(fd, COKERNEL_IOC_COMMAND, &req) != 0) {
            return fail("command");
        }
        if (cmd == COKERNEL_CMD_PING) {
            std::printf("ping enclave %d: %.1f us\n", id, static_cast<double>(req.latency_ns) / 1000.0);
        } else {
            std::printf("command %u: result %d\n", cmd, req.result);
        }
    }
    return 0;
}

int create(int fd, uint32_t cpu, uint64_t start, uint64_t size) {
    auto req = cokernel_request<cokernel_create>();
    req.ncpus = 1;
    req.cpus[0] = cpu;
    req.nranges = 1;
    req.ranges[0] = {start, size};
    req.mem_size = size;
    if (ioctl(fd, COKERNEL_IOC_CREATE, &req) != 0) {
        return fail("create");
    }
    std::printf("enclave %d created\n", req.id);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr,
                     "usage: ckctl boot|console|ping|fault ID [ARGS] | ckctl create CPU START SIZE\n");
        return 2;
    }
    const int fd = open(COKERNEL_DEVICE, O_RDWR);
    if (fd < 0) {
        return fail(COKERNEL_DEVICE);
    }
    const std::string verb = argv[1];
    const int id = std::atoi(argv[2]);
    if (verb == "boot" && argc >= 4) {
        return boot(fd, id, argv[3], argc >= 5 ? argv[4] : "",
                    argc >= 6 ? static_cast<uint32_t>(std::strtoul(argv[5], nullptr, 0)) : 0);
    }
    if (verb == "console") {
        return console(fd, id);
    }
    if (verb == "ping") {
        return command(fd, id, COKERNEL_CMD_PING, 0, argc >= 4 ? std::atoi(argv[3]) : 1);
    }
    if (verb == "create" && argc == 5) {
        return create(fd, static_cast<uint32_t>(id), std::strtoull(argv[3], nullptr, 0),
                      std::strtoull(argv[4], nullptr, 0));
    }
    if (verb == "fault" && argc >= 4) {
        return command(fd, id, COKERNEL_CMD_FAULT, std::strtoull(argv[3], nullptr, 0), 1);
    }
    std::fprintf(stderr, "ckctl: bad arguments\n");
    return 2;
}

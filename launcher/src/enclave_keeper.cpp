#include "enclave_keeper.hpp"

#include "memory_ops.hpp"
#include "planner.hpp"
#include "sysfs.hpp"
#include "text.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <sys/wait.h>
#include <unistd.h>

namespace cokernel {
namespace {

constexpr int keeper_fd_base = 1000; // out of the job's reach, like the proxy's other descriptors
constexpr int wait_rounds = 200;     // 200 x 50 ms for the module to destroy the enclave

bool still_ours(ModuleClient& client, const EnclaveInfo& ours) {
    EnclaveInfo now;
    return client.info(ours.id, now) == 0 && now.ranges == ours.ranges && now.cpus == ours.cpus;
}

int say(const std::string& message) {
    std::cerr << "cokernel: run: " << message << '\n';
    return 1;
}

// The keeper's life (a child that stays root). Returns its exit status.
int keep(int pipe_fd, const EnclaveInfo& ours, std::uint64_t block_size) {
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE})
        std::signal(sig, SIG_IGN);
    // Only the pipe (as 3) and stderr: no copy of the job's device file may live here, or the module would
    // never see it released.
    if (::dup2(pipe_fd, 3) != 3)
        return say(cat("keeper: dup2: ", std::strerror(errno)));
    ::close_range(4, ~0U, 0);
    if (const int null = ::open("/dev/null", O_RDWR); null >= 0) {
        ::dup2(null, 0);
        ::dup2(null, 1);
        if (null > 2)
            ::close(null);
    }
    char byte = 0;
    ssize_t n = 0;
    do {
        n = ::read(3, &byte, 1);
    } while (n < 0 && errno == EINTR);
    if (n == 1 && byte == 'X')
        return 0; // the proxy gave everything back itself

    auto client = ModuleClient::open();
    if (!client)
        return say("keeper: " + client.error().message);
    for (int i = 0; i < wait_rounds && still_ours(*client, ours); ++i)
        ::usleep(50000);
    if (still_ours(*client, ours)) {
        if (const int err = client->destroy(ours.id); err != 0 && err != ENOENT)
            return say(cat("cannot destroy the temporary enclave ", ours.id, ": ", std::strerror(err),
                           " (cokernel destroy ", ours.id, ")"));
    }
    BlockStateWriter write = [](unsigned index, const std::string& state) {
        return write_memory_block_state(default_sysfs_root, index, state);
    };
    int status = 0;
    for (unsigned index : blocks_in_ranges(ours.ranges, block_size))
        if (const int err = online_block(index, MemoryZone::unknown, write); err != 0)
            status = say(cat("memory", index, " of the temporary enclave ", ours.id,
                             " could not be onlined: ", std::strerror(err),
                             " (echo online > /sys/devices/system/memory/memory", index, "/state)"));
    return status;
}

} // namespace

Result<EnclaveKeeper> EnclaveKeeper::start(int id) {
    EnclaveInfo ours;
    {
        auto client = ModuleClient::open();
        if (!client)
            return client.error();
        if (const int err = client->info(id, ours); err != 0)
            return fail(cat("enclave ", id, ": ", std::strerror(err)));
    } // the device is closed before the fork
    auto block_size = read_block_size(default_sysfs_root);
    if (!block_size)
        return block_size.error();
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return fail(cat("pipe: ", std::strerror(errno)));
    const int write_fd = ::fcntl(fds[1], F_DUPFD_CLOEXEC, keeper_fd_base);
    ::close(fds[1]);
    if (write_fd < 0) {
        ::close(fds[0]);
        return fail(cat("cannot move a descriptor above ", keeper_fd_base));
    }
    std::cout.flush();
    std::cerr.flush();
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(write_fd);
        return fail(cat("fork: ", std::strerror(errno)));
    }
    if (pid == 0) {
        ::close(write_fd);
        ::_exit(keep(fds[0], ours, *block_size));
    }
    ::close(fds[0]);
    return EnclaveKeeper(pid, write_fd);
}

EnclaveKeeper::EnclaveKeeper(EnclaveKeeper&& other) noexcept : pid_(other.pid_), fd_(other.fd_) {
    other.pid_ = -1;
    other.fd_ = -1;
}

EnclaveKeeper::~EnclaveKeeper() {
    if (fd_ >= 0)
        ::close(fd_);
}

void EnclaveKeeper::done_here() {
    if (fd_ >= 0) {
        const char byte = 'X';
        (void)!::write(fd_, &byte, 1);
    }
}

bool EnclaveKeeper::finish() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    if (pid_ < 0)
        return true;
    int status = 0;
    pid_t r = 0;
    do {
        r = ::waitpid(pid_, &status, 0);
    } while (r < 0 && errno == EINTR);
    pid_ = -1;
    return r > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

} // namespace cokernel

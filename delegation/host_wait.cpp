#include "host_wait.hpp"

#include <cerrno>
#include <climits>
#include <ctime>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace ck::deleg {

// Not FUTEX_PRIVATE_FLAG: the ring lives in memory shared with another address space.
int futex_wait_word(const uint64_t* addr, uint32_t expected, int64_t timeout_ns) {
    timespec ts{static_cast<time_t>(timeout_ns / 1'000'000'000),
                static_cast<long>(timeout_ns % 1'000'000'000)};
    const long r = ::syscall(SYS_futex, addr, FUTEX_WAIT, expected, &ts, nullptr, 0);
    return r == 0 || errno == EAGAIN || errno == ETIMEDOUT || errno == EINTR ? 0 : -errno;
}

void futex_wake_word(uint64_t* addr) {
    ::syscall(SYS_futex, addr, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

} // namespace ck::deleg

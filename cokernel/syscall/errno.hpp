#pragma once
// Linux's errno values the native handlers return (negated). Co-kernel only: hosted code has <errno.h>.
#include <stdint.h>

namespace ck {

constexpr int64_t EPERM = 1, ESRCH = 3, EINTR = 4, EAGAIN = 11, ENOMEM = 12, EFAULT = 14, ENODEV = 19,
                  EINVAL = 22, ENOSYS = 38, ETIMEDOUT = 110;

} // namespace ck

#pragma once
// Linux's errno values the native handlers return (negated). Co-kernel only: hosted code has <errno.h>.
#include <stdint.h>

namespace ck {

constexpr int64_t EPERM = 1, ESRCH = 3, EINTR = 4, EBADF = 9, EAGAIN = 11, ENOMEM = 12, EACCES = 13,
                  EFAULT = 14, ENODEV = 19, EISDIR = 21, EINVAL = 22, ESPIPE = 29, ENOSYS = 38,
                  EOVERFLOW = 75, ETIMEDOUT = 110;

} // namespace ck

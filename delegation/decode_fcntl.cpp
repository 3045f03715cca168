// fcntl's third argument, decoded from the command.
#include "decoder.hpp"

#include <cerrno>
#include <fcntl.h>

namespace ck::deleg::detail {

int64_t Decoder::fcntl(size_t i) {
    switch (static_cast<int>(a(1))) {
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
        return range(a(i), sizeof(struct flock));
    case F_GETOWN_EX:
    case F_SETOWN_EX:
        return range(a(i), sizeof(struct f_owner_ex));
    case F_GET_RW_HINT:
    case F_SET_RW_HINT:
    case F_GET_FILE_RW_HINT:
    case F_SET_FILE_RW_HINT:
        return range(a(i), sizeof(uint64_t));
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        return fd(a(i)) != 0 ? -EINVAL : 0; // Linux: EINVAL for a start at or above RLIMIT_NOFILE
    case F_GETFD:
    case F_SETFD:
    case F_GETFL:
    case F_SETFL:
    case F_SETOWN:
    case F_GETOWN:
    case F_SETSIG:
    case F_GETSIG:
    case F_SETLEASE:
    case F_GETLEASE:
    case F_NOTIFY:
    case F_SETPIPE_SZ:
    case F_GETPIPE_SZ:
    case F_ADD_SEALS:
    case F_GET_SEALS:
        return 0;
    default:
        return refuse(-EPERM); // a command we do not know: its argument cannot be checked
    }
}

} // namespace ck::deleg::detail

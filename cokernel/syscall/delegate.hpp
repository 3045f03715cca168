#pragma once
// Sending a syscall to the proxy on Linux (docs/delegation.md) through the calling thread's channel.
#include "syscall.hpp"

#include <stdint.h>

namespace ck {

// The proxy's answer (a value or -errno; -EIO when the channel is broken). Counts a delegated call.
int64_t delegate_to_proxy(Thread& self, const Syscall& call);

} // namespace ck

#pragma once
// What a native syscall handler (handlers.hpp) gets and answers. Freestanding; the host unit tests compile
// it with the dispatch table (native_table.hpp).
#include <stdint.h>

namespace ck {

struct Thread;

// One call as the thread made it: the number (rax) and the six arguments (rdi, rsi, rdx, r10, r8, r9).
struct Syscall {
    uint64_t nr;
    uint64_t arg[6];
};

// A handler's answer: the value for rax (a result, or -errno), or "send this call to the proxy" for a
// native syscall the co-kernel cannot serve here (getrandom on a CPU without RDRAND).
class SysRet {
  public:
    constexpr SysRet(int64_t value) : value_(value) {} // implicit: a handler returns its value
    static constexpr SysRet to_proxy() {
        SysRet r(0);
        r.to_proxy_ = true;
        return r;
    }
    constexpr int64_t value() const { return value_; }
    constexpr bool goes_to_proxy() const { return to_proxy_; }

  private:
    int64_t value_;
    bool to_proxy_ = false;
};

// self: the calling thread, in a syscall on its CPU (its process is self.process).
using SyscallHandler = SysRet (*)(Thread& self, const Syscall& call);

} // namespace ck

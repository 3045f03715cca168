#pragma once
// A test-and-test-and-set spinlock that also disables interrupts while held (the holder may be interrupted by
// an exception handler that prints, which must not deadlock against the same CPU).
#include <stdint.h>

namespace ck {

class Spinlock {
  public:
    void lock() {
        while (__atomic_exchange_n(&locked_, 1u, __ATOMIC_ACQUIRE) != 0) {
            while (__atomic_load_n(&locked_, __ATOMIC_RELAXED) != 0) {
                __builtin_ia32_pause();
            }
        }
    }
    // For panic paths: give up after a bounded number of spins rather than hang.
    bool try_lock_for(uint64_t spins) {
        for (uint64_t i = 0; i < spins; ++i) {
            if (__atomic_exchange_n(&locked_, 1u, __ATOMIC_ACQUIRE) == 0) {
                return true;
            }
            __builtin_ia32_pause();
        }
        return false;
    }
    void unlock() { __atomic_store_n(&locked_, 0u, __ATOMIC_RELEASE); }

  private:
    uint32_t locked_ = 0;
};

} // namespace ck

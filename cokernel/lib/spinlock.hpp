#pragma once
// A test-and-test-and-set spinlock. The co-kernel runs with interrupts off in ring 0 (syscalls, interrupts),
// so a holder is not interrupted; lock() spins with them off, lock_interruptible() opens them between tries,
// for locks whose holder may wait for this CPU's answer to an IPI (the address space's: TLB shootdowns).
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
    template <class Pause>
    void lock_with(Pause&& pause) {
        while (__atomic_exchange_n(&locked_, 1u, __ATOMIC_ACQUIRE) != 0) {
            while (__atomic_load_n(&locked_, __ATOMIC_RELAXED) != 0) {
                pause();
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

// Holds a Spinlock for a scope.
class LockGuard {
  public:
    explicit LockGuard(Spinlock& l) : l_(l) { l_.lock(); }
    LockGuard(const LockGuard&) = delete;
    LockGuard& operator=(const LockGuard&) = delete;
    ~LockGuard() { l_.unlock(); }

  private:
    Spinlock& l_;
};

} // namespace ck

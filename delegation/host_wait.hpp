#pragma once
// Host-side waiting on a delegation ring: spin with pause first (the latency floor), then block on a futex
// on the producer's head cursor. The producer must call wake_consumer() after each push; the co-kernel's
// equivalent is an IPI to Linux's notification vector. See "Waiting" in docs/delegation.md.
#include "ring.hpp"

#include <atomic>
#include <cstdint>

namespace ck::deleg {

struct WaitConfig {
    uint64_t spins = 20000;         // pauses before blocking (~ tens of microseconds)
    bool block = true;              // false: spin only
    int64_t slice_ns = 100'000'000; // a blocked waiter wakes this often to look at its stop flag
};

// 0: woken or timed out; -errno otherwise. Waits only while the 32-bit word at addr equals expected.
int futex_wait_word(const uint64_t* addr, uint32_t expected, int64_t timeout_ns);
void futex_wake_word(uint64_t* addr);

// True when c has a slot ready; false when stop became true first.
template <class Slot>
bool wait_ready(RingConsumer<Slot>& c, const WaitConfig& cfg, const std::atomic<bool>* stop) {
    for (;;) {
        for (uint64_t i = 0; i < cfg.spins; ++i) {
            if (c.ready()) {
                return true;
            }
            cpu_relax();
        }
        if (c.ready()) {
            return true;
        }
        if (stop != nullptr && stop->load(std::memory_order_relaxed)) {
            return false;
        }
        if (cfg.block) {
            c.announce_sleep(true);
            if (!c.ready()) {
                futex_wait_word(c.head_word(), static_cast<uint32_t>(c.position()), cfg.slice_ns);
            }
            c.announce_sleep(false);
        }
    }
}

template <class Slot>
void wake_consumer(RingProducer<Slot>& p) {
    if (p.consumer_may_sleep()) {
        futex_wake_word(p.head_word());
    }
}

} // namespace ck::deleg

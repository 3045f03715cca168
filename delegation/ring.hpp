#pragma once
// The single-producer single-consumer rings of a delegation channel (layout: <cokernel/delegation.h>).
// Header-only and freestanding (no library, no allocation, no exceptions): the co-kernel and the host proxy
// compile this same code.
//
// Publishing: the producer writes a slot's body, then stores its seq (release) = ring position + 1, then its
// head cursor. The consumer polls the slot's seq, so a round trip moves one request line and one response
// line between the CPUs; the cursors are read only when the ring looks full or a consumer goes to sleep.
// Slots are copied word by word with relaxed atomics: the peer is untrusted and may scribble on a slot while
// it is being copied; the copy is then garbage that validation rejects, never a data race.
#include <cokernel/delegation.h>
#include <stddef.h>
#include <stdint.h>

namespace ck::deleg {

inline void cpu_relax() {
    __builtin_ia32_pause();
}

inline void store_slot(cokernel_deleg_request* dst, const cokernel_deleg_request& src) {
    __atomic_store_n(&dst->nr, src.nr, __ATOMIC_RELAXED);
    __atomic_store_n(&dst->flags, src.flags, __ATOMIC_RELAXED);
    for (size_t i = 0; i < COKERNEL_DELEG_NARGS; ++i) {
        __atomic_store_n(&dst->args[i], src.args[i], __ATOMIC_RELAXED);
    }
    __atomic_store_n(&dst->seq, src.seq, __ATOMIC_RELEASE);
}

inline void load_slot(const cokernel_deleg_request* src, cokernel_deleg_request& out) {
    out.nr = __atomic_load_n(&src->nr, __ATOMIC_RELAXED);
    out.flags = __atomic_load_n(&src->flags, __ATOMIC_RELAXED);
    for (size_t i = 0; i < COKERNEL_DELEG_NARGS; ++i) {
        out.args[i] = __atomic_load_n(&src->args[i], __ATOMIC_RELAXED);
    }
}

inline void store_slot(cokernel_deleg_response* dst, const cokernel_deleg_response& src) {
    __atomic_store_n(&dst->req_seq, src.req_seq, __ATOMIC_RELAXED);
    __atomic_store_n(&dst->ret, src.ret, __ATOMIC_RELAXED);
    __atomic_store_n(&dst->seq, src.seq, __ATOMIC_RELEASE);
}

inline void load_slot(const cokernel_deleg_response* src, cokernel_deleg_response& out) {
    out.req_seq = __atomic_load_n(&src->req_seq, __ATOMIC_RELAXED);
    out.ret = __atomic_load_n(&src->ret, __ATOMIC_RELAXED);
}

template <class Slot>
class RingProducer {
  public:
    RingProducer() = default;
    RingProducer(cokernel_deleg_ring_ctl* ctl, Slot* slots, uint32_t nslots)
        : ctl_(ctl), slots_(slots), mask_(nslots - 1u), nslots_(nslots),
          head_(__atomic_load_n(&ctl->head.value, __ATOMIC_RELAXED)), tail_seen_(head_) {}

    // Publishes s with the next seq, which it returns; 0: the ring is full (or the consumer's tail is
    // corrupt: a tail ahead of the head counts as full, so a broken peer stalls only itself).
    uint64_t try_push(Slot s) {
        if (head_ - tail_seen_ >= nslots_) {
            tail_seen_ = __atomic_load_n(&ctl_->tail.value, __ATOMIC_ACQUIRE);
            if (tail_seen_ > head_ || head_ - tail_seen_ >= nslots_) {
                return 0;
            }
        }
        s.seq = head_ + 1u;
        store_slot(&slots_[head_ & mask_], s);
        ++head_;
        __atomic_store_n(&ctl_->head.value, head_, __ATOMIC_RELEASE);
        return s.seq;
    }

    // After a push: true if the consumer said it may block, so the caller must wake it (futex on the host,
    // an IPI from the co-kernel). The fence pairs with the one in RingConsumer::announce_sleep.
    bool consumer_may_sleep() const {
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        return __atomic_load_n(&ctl_->sleep.value, __ATOMIC_RELAXED) != 0;
    }

    uint64_t position() const { return head_; }
    // The word a sleeping consumer waits on (low half of the head cursor; x86-64 is little-endian).
    uint64_t* head_word() const { return &ctl_->head.value; }

  private:
    cokernel_deleg_ring_ctl* ctl_ = nullptr;
    Slot* slots_ = nullptr;
    uint64_t mask_ = 0;
    uint64_t nslots_ = 0;
    uint64_t head_ = 0;
    uint64_t tail_seen_ = 0;
};

template <class Slot>
class RingConsumer {
  public:
    RingConsumer() = default;
    RingConsumer(cokernel_deleg_ring_ctl* ctl, const Slot* slots, uint32_t nslots)
        : ctl_(ctl), slots_(slots), mask_(nslots - 1u),
          tail_(__atomic_load_n(&ctl->tail.value, __ATOMIC_RELAXED)) {}

    bool ready() const { return __atomic_load_n(&slots_[tail_ & mask_].seq, __ATOMIC_ACQUIRE) == tail_ + 1u; }

    // Copies the next slot into out (out.seq is the checked seq) and releases the slot; false: none ready.
    bool try_pop(Slot& out) {
        if (!ready()) {
            return false;
        }
        load_slot(&slots_[tail_ & mask_], out);
        out.seq = tail_ + 1u;
        ++tail_;
        __atomic_store_n(&ctl_->tail.value, tail_, __ATOMIC_RELEASE);
        return true;
    }

    // Blocking protocol (host side): announce_sleep(true); if (!ready()) wait while *head_word() ==
    // position(); announce_sleep(false). The producer checks consumer_may_sleep() after each push and wakes.
    void announce_sleep(bool on) {
        __atomic_store_n(&ctl_->sleep.value, on ? uint64_t{1} : uint64_t{0}, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    }
    uint64_t position() const { return tail_; }
    const uint64_t* head_word() const { return &ctl_->head.value; }

  private:
    cokernel_deleg_ring_ctl* ctl_ = nullptr;
    const Slot* slots_ = nullptr;
    uint64_t mask_ = 0;
    uint64_t tail_ = 0;
};

// Spins until the consumer has a slot or max_spins pauses have passed (0: forever). The co-kernel's wait.
template <class Slot>
bool spin_until_ready(const RingConsumer<Slot>& c, uint64_t max_spins) {
    for (uint64_t i = 0; max_spins == 0 || i < max_spins; ++i) {
        if (c.ready()) {
            return true;
        }
        cpu_relax();
    }
    return c.ready();
}

} // namespace ck::deleg

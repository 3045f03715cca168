#pragma once
// The scheduler-free logic of the native futex(2): the wait queues, FUTEX_WAKE_OP's operation, the decoding
// and checks of the command, the timeout as a monotonic deadline, and the robust-list walk at thread exit.
// The syscall handler does the blocking and the user-memory access; this says who is woken and what is
// written.
//
// One address space per job, so private and shared futexes have the same key: the user virtual address. PI
// operations answer -ENOSYS. Each rule is Linux 6.1's (kernel/futex/{syscalls,waitwake,requeue,core}.c); the
// function comments name where. Freestanding, no allocation (waiters are intrusive, the table is fixed);
// host-tested in tests/unit/test_futex.cpp.
#include "errno.hpp"

#include <stdint.h>

namespace ck {

// include/uapi/linux/futex.h
constexpr int FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_FD = 2, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4,
              FUTEX_WAKE_OP = 5, FUTEX_LOCK_PI = 6, FUTEX_UNLOCK_PI = 7, FUTEX_TRYLOCK_PI = 8,
              FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10, FUTEX_WAIT_REQUEUE_PI = 11,
              FUTEX_CMP_REQUEUE_PI = 12, FUTEX_LOCK_PI2 = 13;
constexpr int FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256;
constexpr int FUTEX_CMD_MASK = ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
constexpr uint32_t FUTEX_BITSET_MATCH_ANY = 0xffffffff;
constexpr uint32_t FUTEX_WAITERS = 0x80000000, FUTEX_OWNER_DIED = 0x40000000, FUTEX_TID_MASK = 0x3fffffff;
constexpr uint32_t ROBUST_LIST_LIMIT = 2048;
constexpr int64_t FUTEX_NO_DEADLINE = INT64_MAX; // Linux's KTIME_MAX: what a too-distant timeout saturates to

// ---- The wait queues
// ----------------------------------------------------------------------------------------

// One blocked thread, embedded in it (owner). Only FutexQueues writes the fields; the thread reads woken
// (under the caller's lock) after it wakes up, to tell a wake-up from a timeout or a signal.
struct FutexWaiter {
    uint64_t key = 0;    // the futex word's user virtual address
    uint32_t bitset = 0; // FUTEX_WAIT_BITSET's mask; FUTEX_BITSET_MATCH_ANY for FUTEX_WAIT
    bool queued = false;
    bool woken = false;
    FutexWaiter* prev = nullptr;
    FutexWaiter* next = nullptr;
    void* owner = nullptr; // the thread, for the wake callback
};

// A hashed table of FIFO wait lists, like Linux's futex hash buckets: each bucket is one list in arrival
// order, shared by the keys that hash to it, so an operation costs the waiters of its key's bucket. No
// locking here: the caller holds one spinlock around every call (and around its read of the futex word for
// FUTEX_WAIT and FUTEX_CMP_REQUEUE, so that a wake cannot slip between the check and the enqueue).
template <uint32_t Buckets = 256>
class FutexQueues {
    static_assert(Buckets > 0 && (Buckets & (Buckets - 1)) == 0, "a power of two");

  public:
    // Appends w to key's list (FIFO per key). w must not be queued.
    void enqueue(FutexWaiter& w, uint64_t key, uint32_t bitset) {
        w.key = key;
        w.bitset = bitset;
        w.woken = false;
        append(bucket(key), w);
    }

    // Takes w out (a waiter that timed out or was interrupted); false when it was no longer queued, i.e. a
    // wake or a requeue-to-wake got there first.
    bool dequeue(FutexWaiter& w) {
        if (!w.queued) {
            return false;
        }
        unlink(bucket(w.key), w);
        return true;
    }

    // Linux's futex_wake (waitwake.c): takes key's waiters whose bitset shares a bit with `bitset`, oldest
    // first, sets woken and calls on_wake(FutexWaiter&) for each (after unlinking it: the callback may make
    // the thread runnable). It stops after `max` of them but always takes the first match: Linux counts after
    // waking (`if (++ret >= nr_wake) break`), so max <= 0 wakes one, as FUTEX_WAKE with val 0 does.
    template <class Wake>
    int wake(uint64_t key, uint32_t bitset, int max, Wake&& on_wake) {
        Bucket& b = bucket(key);
        int n = 0;
        for (FutexWaiter* w = b.head; w != nullptr;) {
            FutexWaiter* next = w->next;
            if (w->key == key && (w->bitset & bitset) != 0) {
                take(b, *w, on_wake);
                if (++n >= max) {
                    break;
                }
            }
            w = next;
        }
        return n;
    }

    // Linux's futex_requeue without PI (requeue.c), after the caller's FUTEX_CMP_REQUEUE value check: of
    // from's waiters, oldest first and whatever their bitsets, wakes nwake, then moves up to nrequeue more to
    // the end of to's list, in order, keeping their bitsets. Returns woken + moved (both FUTEX_REQUEUE and
    // FUTEX_CMP_REQUEUE return that), -EINVAL for a negative count. from == to is allowed (only the PI
    // variant refuses it): the requeued waiters then stay where they are, and are still counted.
    template <class Wake>
    int requeue(uint64_t from, uint64_t to, int nwake, int nrequeue, Wake&& on_wake) {
        if (nwake < 0 || nrequeue < 0) {
            return static_cast<int>(-EINVAL);
        }
        Bucket& src = bucket(from);
        Bucket& dst = bucket(to);
        // Where from and to share a bucket, the moved waiters come round again at its end, no longer
        // matching.
        int woken = 0, moved = 0;
        for (FutexWaiter* w = src.head; w != nullptr && (woken < nwake || moved < nrequeue);) {
            FutexWaiter* const next = w->next;
            if (w->key == from) {
                if (woken < nwake) {
                    take(src, *w, on_wake);
                    ++woken;
                } else {
                    ++moved;
                    if (to != from) {
                        unlink(src, *w);
                        w->key = to;
                        append(dst, *w);
                    }
                }
            }
            w = next;
        }
        return woken + moved;
    }

    bool empty() const {
        for (const Bucket& b : buckets_) {
            if (b.head != nullptr) {
                return false;
            }
        }
        return true;
    }

    // How many wait on key (tests, diagnostics).
    int count(uint64_t key) const {
        int n = 0;
        for (const FutexWaiter* w = buckets_[index(key)].head; w != nullptr; w = w->next) {
            n += w->key == key ? 1 : 0;
        }
        return n;
    }

    // The bucket of a key; exposed so that tests can make keys collide.
    static uint32_t index(uint64_t key) {
        constexpr uint32_t bits = log2(Buckets);
        // Fibonacci hashing of the word index (futex words are 4-byte aligned).
        const uint64_t h = (key >> 2) * 0x9e3779b97f4a7c15ull;
        return bits == 0 ? 0 : static_cast<uint32_t>(h >> (64 - bits));
    }

  private:
    struct Bucket {
        FutexWaiter* head = nullptr;
        FutexWaiter* tail = nullptr;
    };

    static constexpr uint32_t log2(uint32_t v) {
        uint32_t n = 0;
        while (v > 1) {
            v >>= 1;
            ++n;
        }
        return n;
    }

    Bucket& bucket(uint64_t key) { return buckets_[index(key)]; }

    static void append(Bucket& b, FutexWaiter& w) {
        w.prev = b.tail;
        w.next = nullptr;
        if (b.tail != nullptr) {
            b.tail->next = &w;
        } else {
            b.head = &w;
        }
        b.tail = &w;
        w.queued = true;
    }

    static void unlink(Bucket& b, FutexWaiter& w) {
        (w.prev != nullptr ? w.prev->next : b.head) = w.next;
        (w.next != nullptr ? w.next->prev : b.tail) = w.prev;
        w.prev = w.next = nullptr;
        w.queued = false;
    }

    template <class Wake>
    static void take(Bucket& b, FutexWaiter& w, Wake& on_wake) {
        unlink(b, w);
        w.woken = true;
        on_wake(w);
    }

    Bucket buckets_[Buckets];
};

// ---- FUTEX_WAKE_OP
// ------------------------------------------------------------------------------------------

// val3 of FUTEX_WAKE_OP, as futex_atomic_op_inuser (waitwake.c) decodes it: op in bits 28-30, the
// FUTEX_OP_OPARG_SHIFT flag in bit 31, cmp in bits 24-27, oparg in 12-23 and cmparg in 0-11, both
// sign-extended from 12 bits. With the shift flag oparg becomes 1 << oparg, a shift outside 0..31 being
// taken modulo 32 (Linux logs it and goes on).
struct WakeOp {
    static constexpr uint32_t SET = 0, ADD = 1, OR = 2, ANDN = 3, XOR = 4;    // FUTEX_OP_*
    static constexpr uint32_t EQ = 0, NE = 1, LT = 2, LE = 3, GT = 4, GE = 5; // FUTEX_OP_CMP_*
    static constexpr uint32_t OPARG_SHIFT = 8;                                // FUTEX_OP_OPARG_SHIFT

    uint32_t op, cmp;
    uint32_t oparg; // after the shift, as the 32 bits the operation uses
    int32_t cmparg;

    static constexpr int32_t sign_extend12(uint32_t v) {
        return static_cast<int32_t>(v & 0x7ff) - static_cast<int32_t>(v & 0x800);
    }

    static constexpr WakeOp decode(uint32_t encoded) {
        const uint32_t op = (encoded >> 28) & 7;
        const uint32_t cmp = (encoded >> 24) & 15;
        const int32_t oparg = sign_extend12(encoded >> 12);
        const int32_t cmparg = sign_extend12(encoded);
        const bool shift = (encoded >> 28) & OPARG_SHIFT;
        const uint32_t arg = shift ? 1u << (static_cast<uint32_t>(oparg) & 31) : static_cast<uint32_t>(oparg);
        return {op, cmp, arg, cmparg};
    }

    constexpr bool op_known() const { return op <= XOR; }
    constexpr bool cmp_known() const { return cmp <= GE; }
};

// The word's new value and the comparison's outcome for an old value (Linux's arch_futex_atomic_op_inuser on
// x86, then the cmp switch). False when op or cmp is unknown: the syscall then answers -ENOSYS. For an
// unknown op nothing is computed (new_value = old: Linux writes nothing); for an unknown cmp new_value is
// still the op's result, because Linux stores it before it looks at cmp. The comparison is signed, as Linux's
// int.
constexpr bool wake_op_apply(uint32_t encoded, uint32_t old, uint32_t& new_value, bool& cmp_true) {
    const WakeOp w = WakeOp::decode(encoded);
    new_value = old;
    cmp_true = false;
    switch (w.op) {
    case WakeOp::SET:
        new_value = w.oparg;
        break;
    case WakeOp::ADD:
        new_value = old + w.oparg;
        break;
    case WakeOp::OR:
        new_value = old | w.oparg;
        break;
    case WakeOp::ANDN:
        new_value = old & ~w.oparg;
        break;
    case WakeOp::XOR:
        new_value = old ^ w.oparg;
        break;
    default:
        return false;
    }
    const int32_t v = static_cast<int32_t>(old);
    switch (w.cmp) {
    case WakeOp::EQ:
        cmp_true = v == w.cmparg;
        break;
    case WakeOp::NE:
        cmp_true = v != w.cmparg;
        break;
    case WakeOp::LT:
        cmp_true = v < w.cmparg;
        break;
    case WakeOp::LE:
        cmp_true = v <= w.cmparg;
        break;
    case WakeOp::GT:
        cmp_true = v > w.cmparg;
        break;
    case WakeOp::GE:
        cmp_true = v >= w.cmparg;
        break;
    default:
        return false;
    }
    return true;
}

// The atomic read-modify-write of FUTEX_WAKE_OP's second word, through cas(uint32_t& expected, uint32_t
// desired) with __atomic_compare_exchange_n's contract (true when stored; otherwise expected becomes the
// word's value). The first attempt guesses 0, so a failed one is the read. 0, with cmp_true saying whether
// to wake uaddr2's waiters too; -ENOSYS for an unknown op (nothing written) or cmp (written, as in Linux).
// The handler, under the futex lock: this, then wake(uaddr, ANY, val), then, if cmp_true,
// wake(uaddr2, ANY, val2); it returns the sum.
template <class Cas>
int64_t wake_op_update(Cas&& cas, uint32_t encoded, bool& cmp_true) {
    cmp_true = false;
    if (!WakeOp::decode(encoded).op_known()) {
        return -ENOSYS;
    }
    uint32_t old = 0, next = 0;
    bool known = false;
    do {
        known = wake_op_apply(encoded, old, next, cmp_true);
    } while (!cas(old, next));
    return known ? 0 : -ENOSYS;
}

// The same on the word itself (the co-kernel maps all of a job's memory: the handler passes its pointer to
// the user word after checking that the word lies in the job's memory).
inline int64_t wake_op_update(uint32_t* word, uint32_t encoded, bool& cmp_true) {
    return wake_op_update(
        [word](uint32_t& expected, uint32_t desired) {
            return __atomic_compare_exchange_n(word, &expected, desired, false, __ATOMIC_SEQ_CST,
                                               __ATOMIC_SEQ_CST);
        },
        encoded, cmp_true);
}

// ---- The command and its checks
// -----------------------------------------------------------------------------

struct FutexCmd {
    int op; // futex_op & FUTEX_CMD_MASK
    bool private_flag;
    bool clock_realtime;

    static constexpr FutexCmd decode(int futex_op) {
        return {futex_op & FUTEX_CMD_MASK, (futex_op & FUTEX_PRIVATE_FLAG) != 0,
                (futex_op & FUTEX_CLOCK_REALTIME) != 0};
    }
};

// Whether the fourth argument is a timeout (struct __kernel_timespec*; for the other operations it is val2,
// a count): Linux's futex_cmd_has_timeout (syscalls.c).
constexpr bool futex_has_timeout(int op) {
    return op == FUTEX_WAIT || op == FUTEX_LOCK_PI || op == FUTEX_LOCK_PI2 || op == FUTEX_WAIT_BITSET ||
           op == FUTEX_WAIT_REQUEUE_PI;
}

// Whether FUTEX_CLOCK_REALTIME is allowed with op (do_futex, syscalls.c; -ENOSYS otherwise, FUTEX_WAIT
// included).
constexpr bool futex_realtime_allowed(int op) {
    return op == FUTEX_WAIT_BITSET || op == FUTEX_WAIT_REQUEUE_PI || op == FUTEX_LOCK_PI2;
}

// The operations the co-kernel implements; the PI ones, FUTEX_FD and unknown ones answer -ENOSYS.
constexpr bool futex_supported(int op) {
    return op == FUTEX_WAIT || op == FUTEX_WAKE || op == FUTEX_REQUEUE || op == FUTEX_CMP_REQUEUE ||
           op == FUTEX_WAKE_OP || op == FUTEX_WAIT_BITSET || op == FUTEX_WAKE_BITSET;
}

struct FutexTimespec { // struct __kernel_timespec
    int64_t sec, nsec;
};

// The timeout as a deadline on the monotonic clock, in Linux's order (SYSCALL_DEFINE6(futex) converts the
// timeout before do_futex checks the clock flag): ts is the timespec copied from the job when utime != 0 and
// futex_has_timeout(cmd.op) (copying it is the handler's: -EFAULT), nullptr otherwise (deadline =
// FUTEX_NO_DEADLINE). -EINVAL for a negative sec or a nsec outside 0..999999999 (timespec64_valid), then
// -ENOSYS for FUTEX_CLOCK_REALTIME on an op that does not take it. futex_init_timeout: FUTEX_WAIT's timeout
// is relative to now on the monotonic clock; the others' are absolute, on the realtime clock with the flag
// (converted here with the clocks' current offset: a later settimeofday does not move it, unlike Linux's
// realtime timer) and on the monotonic one without; FUTEX_LOCK_PI's is always realtime. Values past 2^63 - 1
// ns saturate to FUTEX_NO_DEADLINE (ktime_set, ktime_add_safe); a deadline <= now has already passed.
constexpr int64_t futex_deadline(const FutexCmd& cmd, const FutexTimespec* ts, uint64_t now_monotonic_ns,
                                 uint64_t now_realtime_ns, uint64_t& deadline_monotonic_ns) {
    deadline_monotonic_ns = FUTEX_NO_DEADLINE;
    if (ts != nullptr && futex_has_timeout(cmd.op)) {
        constexpr int64_t NSEC = 1000000000;
        if (ts->sec < 0 || static_cast<uint64_t>(ts->nsec) >= static_cast<uint64_t>(NSEC)) {
            return -EINVAL;
        }
        constexpr uint64_t MAX = FUTEX_NO_DEADLINE;
        const uint64_t t =
            ts->sec >= FUTEX_NO_DEADLINE / NSEC ? MAX : static_cast<uint64_t>(ts->sec * NSEC + ts->nsec);
        const bool realtime = cmd.clock_realtime || cmd.op == FUTEX_LOCK_PI;
        if (cmd.op == FUTEX_WAIT) {
            deadline_monotonic_ns = t > MAX - now_monotonic_ns ? MAX : now_monotonic_ns + t;
        } else if (!realtime || t == MAX) {
            deadline_monotonic_ns = t;
        } else if (t >= now_realtime_ns) {
            const uint64_t ahead = t - now_realtime_ns;
            deadline_monotonic_ns = ahead > MAX - now_monotonic_ns ? MAX : now_monotonic_ns + ahead;
        } else {
            const uint64_t behind = now_realtime_ns - t;
            deadline_monotonic_ns = behind > now_monotonic_ns ? 0 : now_monotonic_ns - behind;
        }
    }
    if (cmd.clock_realtime && !futex_realtime_allowed(cmd.op)) {
        return -ENOSYS;
    }
    return 0;
}

// The argument checks that come after the deadline and before any access to the futex words, in Linux's
// order: an unsupported op (-ENOSYS), a zero bitset of FUTEX_WAIT_BITSET or FUTEX_WAKE_BITSET (futex_wait,
// futex_wake: -EINVAL), a negative count of the requeues (futex_requeue: -EINVAL), an address not 4-byte
// aligned (get_futex_key: -EINVAL; uaddr2 for the requeues and FUTEX_WAKE_OP). val2 is the fourth argument's
// low 32 bits. Left to the handler: whether the words lie in the job's memory (-EFAULT, after this), and the
// value checks (-EAGAIN).
constexpr int64_t futex_check(const FutexCmd& cmd, uint64_t uaddr, uint64_t uaddr2, uint32_t val,
                              uint32_t val2, uint32_t val3) {
    if (!futex_supported(cmd.op)) {
        return -ENOSYS;
    }
    if ((cmd.op == FUTEX_WAIT_BITSET || cmd.op == FUTEX_WAKE_BITSET) && val3 == 0) {
        return -EINVAL;
    }
    const bool two_words = cmd.op == FUTEX_REQUEUE || cmd.op == FUTEX_CMP_REQUEUE || cmd.op == FUTEX_WAKE_OP;
    if ((cmd.op == FUTEX_REQUEUE || cmd.op == FUTEX_CMP_REQUEUE) &&
        (static_cast<int32_t>(val) < 0 || static_cast<int32_t>(val2) < 0)) {
        return -EINVAL;
    }
    if (uaddr % 4 != 0 || (two_words && uaddr2 % 4 != 0)) {
        return -EINVAL;
    }
    return 0;
}

// ---- Robust futexes
// -----------------------------------------------------------------------------------------

// Linux's exit_robust_list and handle_futex_death (core.c), run when a thread exits (and at execve) with the
// head it registered with set_robust_list. The head is struct robust_list_head { next; futex_offset;
// list_op_pending; } (three 64-bit words); each pointer's bit 0 marks a PI futex; each entry's futex word is
// at entry + futex_offset. mem: bool read64(va, uint64_t&), bool read32(va, uint32_t&),
// bool cmpxchg32(va, expected, desired, uint32_t& actual) (actual: the word's value before; false: unreadable
// or unwritable). wake_one(word_va) wakes one waiter of that word (FutexQueues::wake(va, ANY, 1)).
//
// The walk follows next from the head until it comes back to the head, at most ROBUST_LIST_LIMIT entries,
// skipping the pending entry, which comes last (even after the limit). A word owned by tid (its TID bits)
// becomes FUTEX_OWNER_DIED, keeping FUTEX_WAITERS, and if FUTEX_WAITERS was set one waiter is woken (not for
// PI entries: exit_pi_state wakes those, and PI is not implemented). The pending entry also wakes one waiter
// of a non-PI word that tid does not own when the word is unowned or has no FUTEX_WAITERS (a wake-up lost
// between an unlock and its FUTEX_WAKE). Unreadable memory, an unaligned word or an unwritable owned word
// ends the walk (the pending entry is then skipped too, as in Linux); an unreadable next still handles the
// current entry.
template <class Mem, class Wake>
void robust_list_cleanup(Mem& mem, uint64_t head_addr, uint32_t tid, Wake&& wake_one) {
    uint64_t entry = 0, offset = 0, pending = 0;
    if (!mem.read64(head_addr, entry) || !mem.read64(head_addr + 8, offset) ||
        !mem.read64(head_addr + 16, pending)) {
        return;
    }
    // false: stop the walk (Linux's handle_futex_death returning -1).
    auto death = [&](uint64_t word, bool pi, bool pending_op) {
        if (word % 4 != 0) {
            return false;
        }
        uint32_t value = 0;
        if (!mem.read32(word, value)) {
            return false;
        }
        for (;;) {
            const uint32_t owner = value & FUTEX_TID_MASK;
            if (owner != tid) {
                if (pending_op && !pi && (owner == 0 || (value & FUTEX_WAITERS) == 0)) {
                    wake_one(word);
                }
                return true;
            }
            const uint32_t died = (value & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
            uint32_t actual = 0;
            if (!mem.cmpxchg32(word, value, died, actual)) {
                return false;
            }
            if (actual == value) {
                break;
            }
            value = actual; // it changed under us: look again
        }
        if (!pi && (value & FUTEX_WAITERS) != 0) {
            wake_one(word);
        }
        return true;
    };
    bool pi = (entry & 1) != 0;
    entry &= ~uint64_t{1};
    const bool pending_pi = (pending & 1) != 0;
    pending &= ~uint64_t{1};
    for (uint32_t limit = ROBUST_LIST_LIMIT; entry != head_addr;) {
        uint64_t next = 0;
        const bool next_ok = mem.read64(entry, next);
        if (entry != pending && !death(entry + offset, pi, false)) {
            return;
        }
        if (!next_ok) {
            return;
        }
        pi = (next & 1) != 0;
        entry = next & ~uint64_t{1};
        if (--limit == 0) {
            break;
        }
    }
    if (pending != 0) {
        death(pending + offset, pending_pi, true);
    }
}

} // namespace ck

// The native futex's scheduler-free logic (cokernel/proc/futex.hpp). Expected values come from Linux 6.1's
// kernel/futex and the uapi header, worked out by hand, not from the code under test; the uapi constants and
// FUTEX_OP() are taken from <linux/futex.h> itself, before its macros are dropped for ck's names.
#include <linux/futex.h>
#include <stddef.h>
#include <stdint.h>

namespace uapi {
constexpr int cmds[] = {FUTEX_WAIT,           FUTEX_WAKE,        FUTEX_FD,          FUTEX_REQUEUE,
                        FUTEX_CMP_REQUEUE,    FUTEX_WAKE_OP,     FUTEX_LOCK_PI,     FUTEX_UNLOCK_PI,
                        FUTEX_TRYLOCK_PI,     FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET, FUTEX_WAIT_REQUEUE_PI,
                        FUTEX_CMP_REQUEUE_PI, FUTEX_LOCK_PI2};
constexpr int private_flag = FUTEX_PRIVATE_FLAG, clock_realtime = FUTEX_CLOCK_REALTIME;
constexpr uint32_t waiters = FUTEX_WAITERS, owner_died = FUTEX_OWNER_DIED, tid_mask = FUTEX_TID_MASK;
constexpr uint32_t robust_limit = ROBUST_LIST_LIMIT, match_any = FUTEX_BITSET_MATCH_ANY;
constexpr uint32_t set = FUTEX_OP_SET, add = FUTEX_OP_ADD, or_ = FUTEX_OP_OR, andn = FUTEX_OP_ANDN,
                   xor_ = FUTEX_OP_XOR, shift = FUTEX_OP_OPARG_SHIFT;
constexpr uint32_t eq = FUTEX_OP_CMP_EQ, ne = FUTEX_OP_CMP_NE, lt = FUTEX_OP_CMP_LT, le = FUTEX_OP_CMP_LE,
                   gt = FUTEX_OP_CMP_GT, ge = FUTEX_OP_CMP_GE;
constexpr uint32_t op(uint32_t o, uint32_t oparg, uint32_t c, uint32_t cmparg) {
    return FUTEX_OP(o, oparg, c, cmparg);
}
constexpr size_t head_next = offsetof(robust_list_head, list.next),
                 head_offset = offsetof(robust_list_head, futex_offset),
                 head_pending = offsetof(robust_list_head, list_op_pending),
                 head_size = sizeof(robust_list_head);
} // namespace uapi

#undef FUTEX_WAIT
#undef FUTEX_WAKE
#undef FUTEX_FD
#undef FUTEX_REQUEUE
#undef FUTEX_CMP_REQUEUE
#undef FUTEX_WAKE_OP
#undef FUTEX_LOCK_PI
#undef FUTEX_UNLOCK_PI
#undef FUTEX_TRYLOCK_PI
#undef FUTEX_WAIT_BITSET
#undef FUTEX_WAKE_BITSET
#undef FUTEX_WAIT_REQUEUE_PI
#undef FUTEX_CMP_REQUEUE_PI
#undef FUTEX_LOCK_PI2
#undef FUTEX_PRIVATE_FLAG
#undef FUTEX_CLOCK_REALTIME
#undef FUTEX_CMD_MASK
#undef FUTEX_WAITERS
#undef FUTEX_OWNER_DIED
#undef FUTEX_TID_MASK
#undef ROBUST_LIST_LIMIT
#undef FUTEX_BITSET_MATCH_ANY

#include "futex.hpp"

#include <catch2/catch.hpp>

#include <climits>
#include <map>
#include <set>
#include <vector>

namespace {

using ck::FutexCmd;
using ck::FutexQueues;
using ck::FutexTimespec;
using ck::FutexWaiter;

constexpr uint32_t ANY = 0xffffffff;

// Records the order of the wake callbacks by waiter.
struct Woken {
    std::vector<FutexWaiter*> order;
    auto fn() {
        return [this](FutexWaiter& w) { order.push_back(&w); };
    }
};

// Two distinct, aligned keys with the same bucket in Q.
template <class Q>
void colliding_keys(uint64_t& a, uint64_t& b) {
    a = 0x1000;
    for (b = a + 4; Q::index(b) != Q::index(a); b += 4) {
    }
}

// The keys of a bucket list in FIFO order, as wake() with an unbounded max would see them.
template <class Q>
std::vector<FutexWaiter*> drain(Q& q, uint64_t key) {
    Woken w;
    q.wake(key, ANY, INT_MAX, w.fn());
    return w.order;
}

} // namespace

TEST_CASE("futex constants and layouts are Linux's uapi ones", "[futex]") {
    const int ours[] = {ck::FUTEX_WAIT,           ck::FUTEX_WAKE,        ck::FUTEX_FD,
                        ck::FUTEX_REQUEUE,        ck::FUTEX_CMP_REQUEUE, ck::FUTEX_WAKE_OP,
                        ck::FUTEX_LOCK_PI,        ck::FUTEX_UNLOCK_PI,   ck::FUTEX_TRYLOCK_PI,
                        ck::FUTEX_WAIT_BITSET,    ck::FUTEX_WAKE_BITSET, ck::FUTEX_WAIT_REQUEUE_PI,
                        ck::FUTEX_CMP_REQUEUE_PI, ck::FUTEX_LOCK_PI2};
    static_assert(sizeof(ours) == sizeof(uapi::cmds));
    for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); ++i) {
        CHECK(ours[i] == uapi::cmds[i]);
    }
    CHECK(ck::FUTEX_PRIVATE_FLAG == uapi::private_flag);
    CHECK(ck::FUTEX_CLOCK_REALTIME == uapi::clock_realtime);
    CHECK(ck::FUTEX_WAITERS == uapi::waiters);
    CHECK(ck::FUTEX_OWNER_DIED == uapi::owner_died);
    CHECK(ck::FUTEX_TID_MASK == uapi::tid_mask);
    CHECK(ck::ROBUST_LIST_LIMIT == uapi::robust_limit);
    CHECK(ck::FUTEX_BITSET_MATCH_ANY == uapi::match_any);
    CHECK(ck::WakeOp::SET == uapi::set);
    CHECK(ck::WakeOp::ADD == uapi::add);
    CHECK(ck::WakeOp::OR == uapi::or_);
    CHECK(ck::WakeOp::ANDN == uapi::andn);
    CHECK(ck::WakeOp::XOR == uapi::xor_);
    CHECK(ck::WakeOp::OPARG_SHIFT == uapi::shift);
    CHECK(ck::WakeOp::EQ == uapi::eq);
    CHECK(ck::WakeOp::NE == uapi::ne);
    CHECK(ck::WakeOp::LT == uapi::lt);
    CHECK(ck::WakeOp::LE == uapi::le);
    CHECK(ck::WakeOp::GT == uapi::gt);
    CHECK(ck::WakeOp::GE == uapi::ge);
    // robust_list_cleanup reads the head as three 64-bit words at 0, 8 and 16.
    CHECK(uapi::head_next == 0);
    CHECK(uapi::head_offset == 8);
    CHECK(uapi::head_pending == 16);
    CHECK(uapi::head_size == 24);
}

TEST_CASE("futex queues: FIFO wake order per key, woken and queued flags, max", "[futex]") {
    FutexQueues<> q;
    FutexWaiter a, b, c, other;
    q.enqueue(a, 0x1000, ANY);
    q.enqueue(other, 0x2000, ANY);
    q.enqueue(b, 0x1000, ANY);
    q.enqueue(c, 0x1000, ANY);
    CHECK(q.count(0x1000) == 3);
    CHECK(q.count(0x2000) == 1);
    CHECK(a.queued);
    CHECK_FALSE(a.woken);

    Woken w;
    CHECK(q.wake(0x1000, ANY, 2, w.fn()) == 2);
    REQUIRE(w.order == std::vector<FutexWaiter*>{&a, &b});
    CHECK(a.woken);
    CHECK_FALSE(a.queued);
    CHECK(b.woken);
    CHECK_FALSE(c.woken);
    CHECK(c.queued);
    CHECK(q.count(0x1000) == 1);
    CHECK(q.count(0x2000) == 1); // another key is untouched

    CHECK(q.wake(0x1000, ANY, INT_MAX, w.fn()) == 1);
    CHECK(w.order.back() == &c);
    CHECK(q.wake(0x1000, ANY, INT_MAX, w.fn()) == 0); // nobody left
    CHECK(q.wake(0x3000, ANY, 1, w.fn()) == 0);       // nobody ever
    CHECK(drain(q, 0x2000) == std::vector<FutexWaiter*>{&other});
    CHECK(q.empty());
}

TEST_CASE("futex queues: wake with max 0 or negative wakes one, as Linux's futex_wake", "[futex]") {
    FutexQueues<> q;
    FutexWaiter a, b, c;
    q.enqueue(a, 0x1000, ANY);
    q.enqueue(b, 0x1000, ANY);
    q.enqueue(c, 0x1000, ANY);
    Woken w;
    CHECK(q.wake(0x1000, ANY, 0, w.fn()) == 1);
    CHECK(q.wake(0x1000, ANY, -1, w.fn()) == 1); // FUTEX_WAKE with val 0xffffffff
    CHECK(w.order == std::vector<FutexWaiter*>{&a, &b});
    CHECK(q.count(0x1000) == 1);
}

TEST_CASE("futex queues: bitsets select the waiters, FIFO among the matches", "[futex]") {
    FutexQueues<> q;
    FutexWaiter w1, w2, w3, w4;
    q.enqueue(w1, 0x1000, 0x1);
    q.enqueue(w2, 0x1000, 0x2);
    q.enqueue(w3, 0x1000, 0x6);
    q.enqueue(w4, 0x1000, ANY); // FUTEX_WAIT
    Woken w;
    CHECK(q.wake(0x1000, 0x4, INT_MAX, w.fn()) == 2);
    CHECK(w.order == std::vector<FutexWaiter*>{&w3, &w4});
    CHECK(q.wake(0x1000, 0x8, INT_MAX, w.fn()) == 0);
    CHECK(q.wake(0x1000, 0, INT_MAX, w.fn()) == 0); // a zero bitset matches nobody (futex_check refuses it)
    CHECK(q.wake(0x1000, 0x2, 1, w.fn()) == 1);
    CHECK(w.order.back() == &w2);
    CHECK(q.count(0x1000) == 1);
    CHECK(w1.queued);
}

TEST_CASE("futex queues: keys sharing a bucket stay apart and in order", "[futex]") {
    uint64_t k1 = 0, k2 = 0;
    colliding_keys<FutexQueues<>>(k1, k2);
    FutexQueues<> q;
    FutexWaiter a1, b1, a2, b2;
    q.enqueue(a1, k1, ANY);
    q.enqueue(b1, k2, ANY);
    q.enqueue(a2, k1, ANY);
    q.enqueue(b2, k2, ANY);
    CHECK(q.count(k1) == 2);
    CHECK(q.count(k2) == 2);
    CHECK(drain(q, k2) == std::vector<FutexWaiter*>{&b1, &b2});
    CHECK(q.count(k1) == 2);
    CHECK(drain(q, k1) == std::vector<FutexWaiter*>{&a1, &a2});
    CHECK(q.empty());

    FutexQueues<1> one; // every key in one bucket
    FutexWaiter x, y, z;
    one.enqueue(x, 0x10, ANY);
    one.enqueue(y, 0x20, ANY);
    one.enqueue(z, 0x10, ANY);
    CHECK(drain(one, 0x10) == std::vector<FutexWaiter*>{&x, &z});
    CHECK(drain(one, 0x20) == std::vector<FutexWaiter*>{&y});
}

TEST_CASE("futex queues: dequeue removes a waiting waiter, not a woken one", "[futex]") {
    FutexQueues<> q;
    FutexWaiter a, b, c;
    q.enqueue(a, 0x1000, ANY);
    q.enqueue(b, 0x1000, ANY);
    q.enqueue(c, 0x1000, ANY);
    CHECK(q.dequeue(b)); // timed out in the middle of the list
    CHECK_FALSE(b.queued);
    CHECK_FALSE(b.woken);
    CHECK_FALSE(q.dequeue(b)); // twice
    Woken w;
    CHECK(q.wake(0x1000, ANY, 1, w.fn()) == 1);
    CHECK_FALSE(q.dequeue(a)); // woken first: its timeout lost the race
    CHECK(a.woken);
    CHECK(q.dequeue(c)); // the last one
    CHECK(q.empty());
    CHECK(q.count(0x1000) == 0);

    // A waiter can wait again after it was woken or dequeued; the list stays intact.
    q.enqueue(a, 0x1000, ANY);
    q.enqueue(b, 0x1000, ANY);
    CHECK_FALSE(a.woken);
    CHECK(drain(q, 0x1000) == std::vector<FutexWaiter*>{&a, &b});
}

TEST_CASE("futex queues: requeue wakes nwake, moves nrequeue in order, returns both", "[futex]") {
    FutexQueues<> q;
    FutexWaiter a[5], b[2];
    for (auto& w : a) {
        q.enqueue(w, 0xa000, 0x1); // bitsets do not matter to requeue
    }
    for (auto& w : b) {
        q.enqueue(w, 0xb000, ANY);
    }
    Woken w;
    CHECK(q.requeue(0xa000, 0xb000, 1, 2, w.fn()) == 3);
    CHECK(w.order == std::vector<FutexWaiter*>{&a[0]});
    CHECK(a[0].woken);
    CHECK_FALSE(a[1].woken);
    CHECK(a[1].key == 0xb000);
    CHECK(a[1].bitset == 0x1);
    CHECK(q.count(0xa000) == 2);
    CHECK(q.count(0xb000) == 4);
    // The moved ones come after the waiters already there, in their order, and leave from their new list.
    CHECK(q.dequeue(a[1]));
    CHECK(q.count(0xb000) == 3);
    CHECK(drain(q, 0xb000) == std::vector<FutexWaiter*>{&b[0], &b[1], &a[2]});
    // Fewer waiters than asked for: what there is.
    CHECK(q.requeue(0xa000, 0xb000, 0, INT_MAX, w.fn()) == 2);
    CHECK(q.count(0xa000) == 0);
    CHECK(drain(q, 0xb000) == std::vector<FutexWaiter*>{&a[3], &a[4]});
    CHECK(q.requeue(0xa000, 0xb000, INT_MAX, INT_MAX, w.fn()) == 0);
}

TEST_CASE("futex queues: requeue with zero counts, negative counts, from == to", "[futex]") {
    FutexQueues<> q;
    FutexWaiter a[4];
    for (auto& w : a) {
        q.enqueue(w, 0xa000, ANY);
    }
    Woken w;
    CHECK(q.requeue(0xa000, 0xb000, 0, 0, w.fn()) == 0); // Linux breaks before the first waiter
    CHECK(q.count(0xa000) == 4);
    CHECK(q.requeue(0xa000, 0xb000, 0, 1, w.fn()) == 1);
    CHECK(w.order.empty());
    CHECK(q.count(0xb000) == 1);
    CHECK(q.requeue(0xa000, 0xb000, -1, 0, w.fn()) == -22);
    CHECK(q.requeue(0xa000, 0xb000, 0, -1, w.fn()) == -22);
    CHECK(q.count(0xa000) == 3);
    // from == to (allowed without PI): one woken, the next two counted and left where they are.
    FutexWaiter late;
    q.enqueue(late, 0xa000, ANY);
    CHECK(q.requeue(0xa000, 0xa000, 1, 2, w.fn()) == 3);
    CHECK(w.order == std::vector<FutexWaiter*>{&a[1]});
    CHECK(drain(q, 0xa000) == std::vector<FutexWaiter*>{&a[2], &a[3], &late});
}

TEST_CASE("futex queues: requeue between keys of one bucket visits each waiter once", "[futex]") {
    FutexQueues<1> q;
    FutexWaiter a[3], b;
    q.enqueue(a[0], 0x10, ANY);
    q.enqueue(b, 0x20, ANY);
    q.enqueue(a[1], 0x10, ANY);
    q.enqueue(a[2], 0x10, ANY);
    Woken w;
    // The moved waiters land behind the last one in the same list; they must not be seen again.
    CHECK(q.requeue(0x10, 0x20, 1, INT_MAX, w.fn()) == 3);
    CHECK(w.order == std::vector<FutexWaiter*>{&a[0]});
    CHECK(q.count(0x10) == 0);
    CHECK(drain(q, 0x20) == std::vector<FutexWaiter*>{&b, &a[1], &a[2]});

    uint64_t k1 = 0, k2 = 0;
    colliding_keys<FutexQueues<>>(k1, k2);
    FutexQueues<> h;
    FutexWaiter c[3];
    for (auto& x : c) {
        h.enqueue(x, k1, ANY);
    }
    CHECK(h.requeue(k1, k2, 0, INT_MAX, w.fn()) == 3);
    CHECK(drain(h, k2) == std::vector<FutexWaiter*>{&c[0], &c[1], &c[2]});
}

namespace {

struct Applied {
    bool known;
    uint32_t value;
    bool cmp;
};

Applied apply(uint32_t encoded, uint32_t old) {
    uint32_t v = 0xdeadbeef;
    bool c = true;
    const bool known = ck::wake_op_apply(encoded, old, v, c);
    return {known, v, c};
}

} // namespace

TEST_CASE("FUTEX_WAKE_OP: each operation, with and without the oparg shift", "[futex]") {
    using namespace uapi;
    // *uaddr2 = oparg, += oparg, |= oparg, &= ~oparg, ^= oparg (include/uapi/linux/futex.h).
    CHECK(apply(op(set, 0x123, eq, 0), 0xffff0000).value == 0x123);
    CHECK(apply(op(add, 5, eq, 0), 10).value == 15);
    CHECK(apply(op(add, 0xfff, eq, 0), 10).value == 9);          // oparg -1: 12-bit sign extension
    CHECK(apply(op(add, 0x800, eq, 0), 0).value == 0xfffff800u); // oparg -2048
    CHECK(apply(op(add, 1, eq, 0), 0xffffffff).value == 0);      // wraps like xadd
    CHECK(apply(op(or_, 0x0f0, eq, 0), 0x00f).value == 0x0ff);
    CHECK(apply(op(andn, 0x00f, eq, 0), 0x0ff).value == 0x0f0);
    CHECK(apply(op(andn, 0xfff, eq, 0), 0x12345678).value == 0); // ~(-1) == 0
    CHECK(apply(op(xor_, 0x0ff, eq, 0), 0x0f0).value == 0x00f);
    CHECK(apply(op(set, 0xfff, eq, 0), 0).value == 0xffffffff); // SET of -1
    // FUTEX_OP_OPARG_SHIFT: oparg becomes 1 << oparg.
    CHECK(apply(op(shift | set, 4, eq, 0), 0).value == 0x10);
    CHECK(apply(op(shift | or_, 31, eq, 0), 1).value == 0x80000001);
    CHECK(apply(op(shift | andn, 0, eq, 0), 3).value == 2);
    CHECK(apply(op(shift | add, 3, eq, 0), 1).value == 9);
    CHECK(apply(op(shift | xor_, 8, eq, 0), 0x100).value == 0);
    // A shift outside 0..31 is taken & 31 (futex_atomic_op_inuser: "fix this program", then oparg &= 31).
    CHECK(apply(op(shift | set, 32, eq, 0), 0).value == 1);
    CHECK(apply(op(shift | set, 33, eq, 0), 0).value == 2);
    CHECK(apply(op(shift | set, 0xfff, eq, 0), 0).value == 0x80000000); // -1 & 31 == 31
    CHECK(apply(op(shift | set, 0x7ff, eq, 0), 0).value == 0x80000000); // 2047 & 31 == 31
    CHECK(apply(op(shift | set, 0x800, eq, 0), 0).value == 1);          // -2048 & 31 == 0
    for (uint32_t o : {set, add, or_, andn, xor_}) {
        CHECK(apply(op(o, 1, eq, 0), 0).known);
    }
}

TEST_CASE("FUTEX_WAKE_OP: each comparison, signed, on the old value", "[futex]") {
    using namespace uapi;
    struct Case {
        uint32_t cmp, cmparg, old;
        bool result;
    };
    const Case cases[] = {
        {eq, 5, 5, true},
        {eq, 5, 6, false},
        {eq, 0xfff, 0xffffffff, true}, // cmparg -1 == old -1
        {ne, 5, 6, true},
        {ne, 5, 5, false},
        {lt, 5, 4, true},
        {lt, 5, 5, false},
        {lt, 0, 0xffffffff, true}, // -1 < 0: signed
        {lt, 0x800, 0x80000000, true},
        {le, 5, 5, true},
        {le, 5, 6, false},
        {le, 0xfff, 0xfffffffe, true}, // -2 <= -1
        {gt, 5, 6, true},
        {gt, 5, 5, false},
        {gt, 0, 0x80000000, false}, // INT_MIN > 0: no
        {gt, 0x800, 0x7fffffff, true},
        {ge, 5, 5, true},
        {ge, 5, 4, false},
        {ge, 0x800, 0xfffff800, true}, // -2048 >= -2048
        {ge, 0x7ff, 0x7ff, true},
    };
    for (const Case& c : cases) {
        CAPTURE(c.cmp, c.cmparg, c.old);
        // The comparison uses the old value, not the new one (here SET 0x555).
        const Applied r = apply(op(set, 0x555, c.cmp, c.cmparg), c.old);
        CHECK(r.known);
        CHECK(r.value == 0x555);
        CHECK(r.cmp == c.result);
    }
}

TEST_CASE("FUTEX_WAKE_OP: unknown operations and comparisons are refused", "[futex]") {
    using namespace uapi;
    for (uint32_t o = 5; o <= 7; ++o) {
        CAPTURE(o);
        const Applied r = apply(op(o, 1, eq, 0), 42);
        CHECK_FALSE(r.known);
        CHECK(r.value == 42); // nothing to write
        CHECK_FALSE(r.cmp);
        CHECK_FALSE(apply(op(shift | o, 1, eq, 0), 42).known);
    }
    for (uint32_t c = 6; c <= 15; ++c) {
        CAPTURE(c);
        const Applied r = apply(op(add, 1, c, 0), 42);
        CHECK_FALSE(r.known);
        CHECK(r.value == 43); // Linux has already stored it when it looks at cmp
        CHECK_FALSE(r.cmp);
    }
}

TEST_CASE("FUTEX_WAKE_OP: the word's atomic update", "[futex]") {
    using namespace uapi;
    uint32_t word = 7;
    bool cmp = false;
    CHECK(ck::wake_op_update(&word, op(add, 3, gt, 6), cmp) == 0);
    CHECK(word == 10);
    CHECK(cmp); // old 7 > 6
    CHECK(ck::wake_op_update(&word, op(set, 0, eq, 7), cmp) == 0);
    CHECK(word == 0);
    CHECK_FALSE(cmp); // old 10 != 7
    // glibc's pthread_cond_signal of old: FUTEX_OP(SET, 0, CMP_GT, 1) on a lock word of 2.
    word = 2;
    CHECK(ck::wake_op_update(&word, op(set, 0, gt, 1), cmp) == 0);
    CHECK(word == 0);
    CHECK(cmp);

    word = 9;
    cmp = true;
    CHECK(ck::wake_op_update(&word, op(6, 1, eq, 9), cmp) == -38); // unknown op: -ENOSYS, word untouched
    CHECK(word == 9);
    CHECK_FALSE(cmp);
    CHECK(ck::wake_op_update(&word, op(add, 1, 9, 9), cmp) == -38); // unknown cmp: -ENOSYS after the store
    CHECK(word == 10);
    CHECK_FALSE(cmp);

    // A compare-exchange that loses twice to other writers retries on the value it found.
    uint32_t shared = 10;
    int attempts = 0;
    auto racing = [&](uint32_t& expected, uint32_t desired) {
        ++attempts;
        if (attempts == 2 || attempts == 3) {
            shared += 100; // another thread got there first
        }
        if (shared != expected) {
            expected = shared;
            return false;
        }
        shared = desired;
        return true;
    };
    CHECK(ck::wake_op_update(racing, op(add, 1, eq, 210), cmp) == 0);
    CHECK(shared == 211);
    CHECK(cmp);           // compared with the value it replaced
    CHECK(attempts == 4); // the guess of 0 and the two lost races fail, the fourth stores
}

TEST_CASE("futex command decoding: op, private and realtime flags", "[futex]") {
    const FutexCmd c = FutexCmd::decode(ck::FUTEX_WAIT_BITSET | 128 | 256);
    CHECK(c.op == 9);
    CHECK(c.private_flag);
    CHECK(c.clock_realtime);
    const FutexCmd w = FutexCmd::decode(1);
    CHECK(w.op == 1);
    CHECK_FALSE(w.private_flag);
    CHECK_FALSE(w.clock_realtime);
    // Other bits stay in op, which then matches nothing (-ENOSYS).
    CHECK(FutexCmd::decode(0x200 | 1).op == 0x201);
    CHECK(FutexCmd::decode(-1).op == ~(128 | 256));
    CHECK(ck::futex_check(FutexCmd::decode(0x200 | 1), 0x1000, 0, 1, 0, 0) == -38);
}

TEST_CASE("futex timeouts: which ops take one, which take CLOCK_REALTIME, -EINVAL before -ENOSYS",
          "[futex]") {
    // futex_cmd_has_timeout and do_futex (kernel/futex/syscalls.c).
    const std::set<int> timeout_ops = {0, 6, 9, 11, 13};
    const std::set<int> realtime_ops = {9, 11, 13};
    const FutexTimespec good{1, 0}, bad{0, 1000000000};
    for (int op = 0; op <= 16; ++op) {
        for (bool rt : {false, true}) {
            for (bool private_flag : {false, true}) {
                CAPTURE(op, rt, private_flag);
                const FutexCmd cmd = FutexCmd::decode(op | (rt ? 256 : 0) | (private_flag ? 128 : 0));
                const bool has_timeout = timeout_ops.count(op) != 0;
                const int64_t want_clock = rt && realtime_ops.count(op) == 0 ? -38 : 0;
                CHECK(ck::futex_has_timeout(cmd.op) == has_timeout);
                uint64_t d = 1;
                CHECK(ck::futex_deadline(cmd, nullptr, 5, 6, d) == want_clock);
                CHECK(d == uint64_t{ck::FUTEX_NO_DEADLINE});
                d = 1;
                CHECK(ck::futex_deadline(cmd, &good, 5, 6, d) == want_clock);
                if (!has_timeout) {
                    CHECK(d == uint64_t{ck::FUTEX_NO_DEADLINE}); // the argument was val2, not a timeout
                }
                // An invalid timespec is refused first where it is one, whatever the clock flag.
                CHECK(ck::futex_deadline(cmd, &bad, 5, 6, d) == (has_timeout ? -22 : want_clock));
            }
        }
    }
}

TEST_CASE("futex timeouts: invalid timespecs", "[futex]") {
    const FutexCmd wait = FutexCmd::decode(ck::FUTEX_WAIT);
    const FutexCmd abs = FutexCmd::decode(ck::FUTEX_WAIT_BITSET | 256);
    for (const FutexCmd& cmd : {wait, abs}) {
        auto result = [&cmd](int64_t sec, int64_t nsec) {
            const FutexTimespec ts{sec, nsec};
            uint64_t d = 0;
            return ck::futex_deadline(cmd, &ts, 0, 0, d);
        };
        CHECK(result(-1, 0) == -22);
        CHECK(result(INT64_MIN, 0) == -22);
        CHECK(result(0, -1) == -22);
        CHECK(result(0, 1000000000) == -22);
        CHECK(result(0, INT64_MAX) == -22);
        CHECK(result(0, 999999999) == 0);
        CHECK(result(0, 0) == 0);
        CHECK(result(INT64_MAX, 0) == 0); // saturates
    }
}

namespace {
constexpr uint64_t mono = 5'000'000'000, real = 1'700'000'000'000'000'000; // the clocks' now
} // namespace

TEST_CASE("futex timeouts: the monotonic deadline of each op and clock", "[futex]") {
    constexpr uint64_t MAX = INT64_MAX;
    uint64_t d = 0;
    auto deadline = [&](int futex_op, FutexTimespec ts, uint64_t m = mono, uint64_t r = real) {
        d = 0;
        REQUIRE(ck::futex_deadline(FutexCmd::decode(futex_op), &ts, m, r, d) == 0);
        return d;
    };
    // FUTEX_WAIT: relative, on CLOCK_MONOTONIC; private or not.
    CHECK(deadline(0, {2, 5}) == mono + 2'000'000'005);
    CHECK(deadline(128, {0, 0}) == mono); // already due
    // FUTEX_WAIT_BITSET: absolute CLOCK_MONOTONIC.
    CHECK(deadline(9, {3, 7}) == 3'000'000'007);
    CHECK(deadline(9 | 128, {1, 0}) == 1'000'000'000); // in the past: due now
    // FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME: absolute CLOCK_REALTIME, moved onto the monotonic clock.
    const int64_t real_sec = static_cast<int64_t>(real / 1'000'000'000);
    CHECK(deadline(9 | 256, {real_sec + 2, 500}) == mono + 2'000'000'500);
    CHECK(deadline(9 | 256 | 128, {real_sec, 0}) == mono);
    CHECK(deadline(9 | 256, {real_sec - 1, 0}) == mono - 1'000'000'000);
    CHECK(deadline(9 | 256, {0, 0}) == 0); // long past: clamped at 0, not wrapped
    // The others that take a timeout (they answer -ENOSYS later, futex_check): WAIT_REQUEUE_PI and LOCK_PI2
    // like WAIT_BITSET, LOCK_PI always realtime.
    CHECK(deadline(11, {3, 0}) == 3'000'000'000);
    CHECK(deadline(13 | 256, {real_sec + 1, 0}) == mono + 1'000'000'000);
    CHECK(deadline(6, {real_sec + 1, 0}) == mono + 1'000'000'000);
    // Saturation: ktime_set gives KTIME_MAX from KTIME_SEC_MAX (9223372036) seconds on, ktime_add_safe on
    // overflow; the largest exact value is 9223372035.999999999 s.
    CHECK(deadline(9, {9223372035, 999999999}) == 9'223'372'035'999'999'999u);
    CHECK(deadline(9, {9223372036, 0}) == MAX);
    CHECK(deadline(9, {INT64_MAX, 999999999}) == MAX);
    CHECK(deadline(0, {9223372036, 0}) == MAX);
    CHECK(deadline(0, {9223372035, 0}, MAX - 10) == MAX); // now + timeout overflows
    CHECK(deadline(0, {0, 10}, MAX - 10) == MAX);
    CHECK(deadline(0, {0, 9}, MAX - 10) == MAX - 1);
    CHECK(deadline(9 | 256, {9223372036, 0}) == MAX);
    CHECK(deadline(9 | 256, {9223372035, 0}, MAX - 1, 0) == MAX); // far ahead of a late monotonic clock
}

TEST_CASE("futex argument checks: bitset 0, alignment, negative requeue counts, unsupported ops", "[futex]") {
    auto check = [](int op, uint64_t uaddr, uint64_t uaddr2, uint32_t val, uint32_t val2, uint32_t val3) {
        return ck::futex_check(FutexCmd::decode(op), uaddr, uaddr2, val, val2, val3);
    };
    // Supported: WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAKE_OP, WAIT_BITSET, WAKE_BITSET (private or not).
    for (int op : {0, 1, 3, 4, 5, 9, 10}) {
        CAPTURE(op);
        CHECK(check(op, 0x1000, 0x2000, 1, 1, 1) == 0);
        CHECK(check(op | 128, 0x1000, 0x2000, 1, 1, 1) == 0);
        CHECK(check(op, 0x1002, 0x2000, 1, 1, 1) == -22); // get_futex_key: 4-byte aligned
        CHECK(check(op, 0x1001, 0x2000, 1, 1, 1) == -22);
        CHECK(check(op, 0, 0, 1, 1, 1) == 0); // NULL is aligned; the handler's range check makes it -EFAULT
    }
    // PI ops, FUTEX_FD and unknown ones: -ENOSYS, before any other check.
    for (int op : {2, 6, 7, 8, 11, 12, 13, 14, 15, 127}) {
        CAPTURE(op);
        CHECK(check(op, 0x1001, 0x2001, 0xffffffff, 0xffffffff, 0) == -38);
    }
    // Bitsets: 0 is refused by the bitset ops only.
    CHECK(check(9, 0x1000, 0, 0, 0, 0) == -22);
    CHECK(check(10, 0x1000, 0, 1, 0, 0) == -22);
    CHECK(check(10, 0x1001, 0, 1, 0, 0) == -22);
    CHECK(check(0, 0x1000, 0, 0, 0, 0) == 0); // FUTEX_WAIT ignores val3
    CHECK(check(1, 0x1000, 0, 1, 0, 0) == 0);
    // uaddr2 matters to the two-word ops only.
    for (int op : {3, 4, 5}) {
        CHECK(check(op, 0x1000, 0x2002, 1, 1, 0) == -22);
    }
    for (int op : {0, 1, 9, 10}) {
        CHECK(check(op, 0x1000, 0x2002, 1, 1, 1) == 0);
    }
    // futex_requeue: nr_wake < 0 or nr_requeue < 0 (as ints) is -EINVAL; from == to is allowed.
    for (int op : {3, 4}) {
        CHECK(check(op, 0x1000, 0x2000, 0x80000000, 0, 0) == -22);
        CHECK(check(op, 0x1000, 0x2000, 0, 0xffffffff, 0) == -22);
        CHECK(check(op, 0x1000, 0x2000, 0x7fffffff, 0x7fffffff, 0) == 0);
        CHECK(check(op, 0x1000, 0x1000, 1, 1, 0) == 0);
    }
    CHECK(check(5, 0x1000, 0x2000, 0xffffffff, 0xffffffff, 0) == 0); // WAKE_OP's counts are not checked
    CHECK(check(1, 0x1000, 0, 0xffffffff, 0, 0) == 0);               // nor FUTEX_WAKE's
}

namespace {

// A job's memory for the robust-list walk: mapped 8-byte-granular words in [base, end), some of them
// read-only, everything else unreadable. Records reads of futex words and wakes.
struct FakeMem {
    uint64_t base, end;
    std::map<uint64_t, uint8_t> bytes;
    std::set<uint64_t> read_only;
    std::map<uint64_t, int> reads32;
    std::vector<uint64_t> wakes;
    int cas_races = 0; // how many cmpxchg32 calls lose to a writer that sets FUTEX_WAITERS

    bool mapped(uint64_t va, uint64_t n) const { return va >= base && va <= end && n <= end - va; }
    void put64(uint64_t va, uint64_t v) {
        for (int i = 0; i < 8; ++i) {
            bytes[va + static_cast<uint64_t>(i)] = static_cast<uint8_t>(v >> (8 * i));
        }
    }
    void put32(uint64_t va, uint32_t v) {
        for (int i = 0; i < 4; ++i) {
            bytes[va + static_cast<uint64_t>(i)] = static_cast<uint8_t>(v >> (8 * i));
        }
    }
    uint64_t get(uint64_t va, int n) const {
        uint64_t v = 0;
        for (int i = 0; i < n; ++i) {
            const auto it = bytes.find(va + static_cast<uint64_t>(i));
            v |= uint64_t{it == bytes.end() ? uint8_t{0} : it->second} << (8 * i);
        }
        return v;
    }
    uint32_t word(uint64_t va) const { return static_cast<uint32_t>(get(va, 4)); }

    bool read64(uint64_t va, uint64_t& v) {
        if (!mapped(va, 8)) {
            return false;
        }
        v = get(va, 8);
        return true;
    }
    bool read32(uint64_t va, uint32_t& v) {
        if (!mapped(va, 4)) {
            return false;
        }
        ++reads32[va];
        v = word(va);
        return true;
    }
    bool cmpxchg32(uint64_t va, uint32_t expected, uint32_t desired, uint32_t& actual) {
        if (!mapped(va, 4) || read_only.count(va) != 0) {
            return false;
        }
        if (cas_races > 0) {
            --cas_races;
            put32(va, word(va) | ck::FUTEX_WAITERS);
        }
        actual = word(va);
        if (actual == expected) {
            put32(va, desired);
        }
        return true;
    }
};

constexpr uint64_t MEM = 0x10000, HEAD = MEM + 0x100;
constexpr uint64_t OFFSET = static_cast<uint64_t>(-16); // glibc's lock word sits before the list entry
constexpr uint32_t TID = 1234;

// A robust list: HEAD -> entries[0] -> ... -> HEAD, each entry's futex word at entry - 16 set to words[i];
// pi[i] marks the pointer to entry i; pending: 0 or an entry (| 1 for PI).
struct RobustList {
    FakeMem mem{MEM, MEM + 0x10000, {}, {}, {}, {}, 0};
    std::vector<uint64_t> entries;

    RobustList(const std::vector<uint32_t>& words, const std::vector<bool>& pi = {}) {
        for (size_t i = 0; i < words.size(); ++i) {
            entries.push_back(MEM + 0x1000 + 0x40 * i);
            mem.put32(entries[i] + OFFSET, words[i]);
        }
        uint64_t prev = HEAD;
        for (size_t i = 0; i < entries.size(); ++i) {
            mem.put64(prev, entries[i] | (i < pi.size() && pi[i] ? 1 : 0));
            prev = entries[i];
        }
        mem.put64(prev, HEAD);
        mem.put64(HEAD + 8, OFFSET);
        mem.put64(HEAD + 16, 0);
    }
    uint32_t word(size_t i) const { return mem.word(entries[i] + OFFSET); }
    uint64_t word_va(size_t i) const { return entries[i] + OFFSET; }
    void run(uint32_t tid = TID) {
        ck::robust_list_cleanup(mem, HEAD, tid, [this](uint64_t va) { mem.wakes.push_back(va); });
    }
};

} // namespace

TEST_CASE("robust list: owned words get OWNER_DIED, waiters are woken, others are left alone", "[futex]") {
    const uint32_t W = ck::FUTEX_WAITERS, D = ck::FUTEX_OWNER_DIED;
    RobustList l({TID, TID | W, 999, 999 | W, 0, TID | D | W});
    l.run();
    CHECK(l.word(0) == D);       // owned, no waiters: TID bits cleared, no wake
    CHECK(l.word(1) == (D | W)); // owned with waiters: FUTEX_WAITERS kept, one wake
    CHECK(l.word(2) == 999);     // another owner: untouched
    CHECK(l.word(3) == (999 | W));
    CHECK(l.word(4) == 0);
    CHECK(l.word(5) == (D | W)); // OWNER_DIED already set (recursive death): still woken
    CHECK(l.mem.wakes == std::vector<uint64_t>{l.word_va(1), l.word_va(5)});
    for (size_t i = 0; i < 6; ++i) {
        CHECK(l.mem.reads32[l.word_va(i)] == 1);
    }
}

TEST_CASE("robust list: PI entries get OWNER_DIED but no wake", "[futex]") {
    const uint32_t W = ck::FUTEX_WAITERS, D = ck::FUTEX_OWNER_DIED;
    RobustList l({TID | W, TID | W, TID | W},
                 {true, false, true}); // the head's next pointer carries entry 0's bit
    l.run();
    CHECK(l.word(0) == (D | W));
    CHECK(l.word(1) == (D | W));
    CHECK(l.word(2) == (D | W));
    CHECK(l.mem.wakes == std::vector<uint64_t>{l.word_va(1)});
}

TEST_CASE("robust list: the pending entry comes last, once, and wakes a lost wake-up", "[futex]") {
    const uint32_t W = ck::FUTEX_WAITERS, D = ck::FUTEX_OWNER_DIED;
    SECTION("pending also on the list: handled after the walk, not twice") {
        RobustList l({TID | W, TID | W});
        l.mem.put64(HEAD + 16, l.entries[0]);
        l.run();
        CHECK(l.word(0) == (D | W));
        CHECK(l.mem.reads32[l.word_va(0)] == 1);
        CHECK(l.mem.wakes == std::vector<uint64_t>{l.word_va(1), l.word_va(0)});
    }
    SECTION("pending owned, empty list") {
        RobustList l({});
        const uint64_t p = MEM + 0x3000;
        l.mem.put32(p + OFFSET, TID | W);
        l.mem.put64(HEAD + 16, p);
        l.run();
        CHECK(l.mem.word(p + OFFSET) == (D | W));
        CHECK(l.mem.wakes == std::vector<uint64_t>{p + OFFSET});
    }
    SECTION("pending not owned: woken when the word is unowned or has no waiters bit, never marked") {
        struct Case {
            uint32_t word;
            bool pi;
            bool wake;
        };
        for (const Case c :
             {Case{0, false, true}, Case{W, false, true}, Case{D, false, true}, Case{999, false, true},
              Case{999 | W, false, false}, Case{0, true, false}, Case{999, true, false}}) {
            CAPTURE(c.word, c.pi);
            RobustList l({});
            const uint64_t p = MEM + 0x3000;
            l.mem.put32(p + OFFSET, c.word);
            l.mem.put64(HEAD + 16, p | (c.pi ? 1 : 0));
            l.run();
            CHECK(l.mem.word(p + OFFSET) == c.word);
            CHECK(l.mem.wakes.size() == (c.wake ? 1u : 0u));
        }
    }
    SECTION("a list entry not owned is not woken (the lost-wake-up case is the pending entry's only)") {
        RobustList l({0, 999});
        l.run();
        CHECK(l.mem.wakes.empty());
    }
    SECTION("pending with the PI bit, owned: marked, no wake") {
        RobustList l({});
        const uint64_t p = MEM + 0x3000;
        l.mem.put32(p + OFFSET, TID | W);
        l.mem.put64(HEAD + 16, p | 1);
        l.run();
        CHECK(l.mem.word(p + OFFSET) == (D | W));
        CHECK(l.mem.wakes.empty());
    }
}

TEST_CASE("robust list: a cyclic list stops at ROBUST_LIST_LIMIT, then the pending entry", "[futex]") {
    const uint32_t W = ck::FUTEX_WAITERS, D = ck::FUTEX_OWNER_DIED;
    RobustList l({999, 999, 999});
    l.mem.put64(l.entries[2], l.entries[0]); // 0 -> 1 -> 2 -> 0 -> ..., never back to the head
    const uint64_t p = MEM + 0x3000;
    l.mem.put32(p + OFFSET, TID | W);
    l.mem.put64(HEAD + 16, p);
    l.run();
    // 2048 entries handled: 683 + 683 + 682.
    CHECK(l.mem.reads32[l.word_va(0)] == 683);
    CHECK(l.mem.reads32[l.word_va(1)] == 683);
    CHECK(l.mem.reads32[l.word_va(2)] == 682);
    CHECK(l.mem.word(p + OFFSET) == (D | W));
    CHECK(l.mem.wakes == std::vector<uint64_t>{p + OFFSET});

    RobustList self({TID});
    self.mem.put64(self.entries[0], self.entries[0]); // an entry pointing at itself
    self.run();
    CHECK(self.mem.reads32[self.word_va(0)] == 2048);
    CHECK(self.word(0) == D);
}

TEST_CASE("robust list: unreadable or unusable memory ends the walk", "[futex]") {
    const uint32_t W = ck::FUTEX_WAITERS, D = ck::FUTEX_OWNER_DIED;
    const uint64_t p = MEM + 0x3000;
    auto with_pending = [&](RobustList& l) {
        l.mem.put32(p + OFFSET, TID | W);
        l.mem.put64(HEAD + 16, p);
    };
    SECTION("an unreadable head: nothing") {
        RobustList l({TID | W});
        ck::robust_list_cleanup(l.mem, 0x100, TID, [&](uint64_t va) { l.mem.wakes.push_back(va); });
        ck::robust_list_cleanup(l.mem, MEM + 0x10000 - 16, TID,
                                [&](uint64_t va) { l.mem.wakes.push_back(va); });
        CHECK(l.word(0) == (TID | W));
        CHECK(l.mem.wakes.empty());
    }
    SECTION("an entry pointing to unmapped memory: the walk and the pending entry stop there") {
        RobustList l({TID | W, TID | W});
        with_pending(l);
        l.mem.put64(l.entries[0], 0x7000'0000); // entry 1 replaced by an unmapped one
        l.run();
        CHECK(l.word(0) == (D | W));
        CHECK(l.word(1) == (TID | W));
        CHECK(l.mem.word(p + OFFSET) == (TID | W));
        CHECK(l.mem.wakes == std::vector<uint64_t>{l.word_va(0)});
    }
    SECTION("a NULL next (a corrupt list): stops") {
        RobustList l({TID | W});
        with_pending(l);
        l.mem.put64(l.entries[0], 0);
        l.run();
        CHECK(l.word(0) == (D | W));
        CHECK(l.mem.word(p + OFFSET) == (TID | W));
    }
    SECTION("an entry whose next is unreadable but whose word is readable: the word is handled, then stop") {
        RobustList l({TID | W});
        with_pending(l);
        const uint64_t last = MEM + 0x10000 - 4; // the futex word (last - 16) is mapped, the next pointer not
        l.mem.put32(last + OFFSET, TID | W);
        l.mem.put64(l.entries[0], last);
        l.run();
        CHECK(l.word(0) == (D | W));
        CHECK(l.mem.word(last + OFFSET) == (D | W));
        CHECK(l.mem.wakes == std::vector<uint64_t>{l.word_va(0), last + OFFSET});
        CHECK(l.mem.word(p + OFFSET) == (TID | W)); // the pending entry is skipped
    }
    SECTION("an unaligned futex word: stops") {
        RobustList l({TID | W, TID | W});
        with_pending(l);
        l.mem.put64(HEAD + 8, OFFSET + 2);
        l.run();
        CHECK(l.mem.wakes.empty());
        CHECK(l.mem.word(p + OFFSET) == (TID | W));
    }
    SECTION("an owned word that cannot be written: stops") {
        RobustList l({TID | W, TID | W});
        with_pending(l);
        l.mem.read_only.insert(l.word_va(0));
        l.run();
        CHECK(l.word(0) == (TID | W));
        CHECK(l.word(1) == (TID | W));
        CHECK(l.mem.wakes.empty());
    }
    SECTION("a read-only word another thread owns is only read: the walk goes on") {
        RobustList l({999, TID | W});
        l.mem.read_only.insert(l.word_va(0));
        l.run();
        CHECK(l.word(1) == (D | W));
    }
}

TEST_CASE("robust list: a word that changes under the compare-exchange is looked at again", "[futex]") {
    const uint32_t W = ck::FUTEX_WAITERS, D = ck::FUTEX_OWNER_DIED;
    RobustList l({TID});
    l.mem.cas_races = 1; // a waiter sets FUTEX_WAITERS between the read and the compare-exchange
    l.run();
    CHECK(l.word(0) == (D | W));
    CHECK(l.mem.wakes == std::vector<uint64_t>{l.word_va(0)});
}

#pragma once
// TEMPORARY stand-in until the futex queues with their unit tests land (issue9-futex).
#include <stdint.h>

namespace ck {

struct FutexWaiter {
    uint64_t key = 0;
    uint32_t bitset = 0;
    bool queued = false;
    bool woken = false;
    FutexWaiter* prev = nullptr;
    FutexWaiter* next = nullptr;
    void* owner = nullptr;
};

class FutexQueues {
  public:
    void enqueue(FutexWaiter& w, uint64_t key, uint32_t bitset) {
        w.key = key;
        w.bitset = bitset;
        w.queued = true;
        w.woken = false;
        w.next = nullptr;
        w.prev = tail_;
        if (tail_ != nullptr) {
            tail_->next = &w;
        } else {
            head_ = &w;
        }
        tail_ = &w;
    }
    bool dequeue(FutexWaiter& w) {
        if (!w.queued) {
            return false;
        }
        unlink(w);
        return true;
    }
    template <class Wake>
    int wake(uint64_t key, uint32_t bitset, int max, Wake&& wake_fn) {
        int n = 0;
        for (FutexWaiter* w = head_; w != nullptr && n < max;) {
            FutexWaiter* next = w->next;
            if (w->key == key && (w->bitset & bitset) != 0) {
                unlink(*w);
                w->woken = true;
                wake_fn(*w);
                ++n;
            }
            w = next;
        }
        return n;
    }
    template <class Wake>
    int requeue(uint64_t from, uint64_t to, int nwake, int nrequeue, Wake&& wake_fn) {
        int woken = wake(from, ~0u, nwake, wake_fn);
        int moved = 0;
        for (FutexWaiter* w = head_; w != nullptr && moved < nrequeue; w = w->next) {
            if (w->key == from) {
                w->key = to;
                ++moved;
            }
        }
        return woken + moved;
    }

  private:
    void unlink(FutexWaiter& w) {
        if (w.prev != nullptr) {
            w.prev->next = w.next;
        } else {
            head_ = w.next;
        }
        if (w.next != nullptr) {
            w.next->prev = w.prev;
        } else {
            tail_ = w.prev;
        }
        w.prev = w.next = nullptr;
        w.queued = false;
    }
    FutexWaiter* head_ = nullptr;
    FutexWaiter* tail_ = nullptr;
};

struct FutexCmd {
    int op;
    bool private_flag;
    bool clock_realtime;
};
inline FutexCmd futex_cmd(uint32_t v) {
    return FutexCmd{static_cast<int>(v & 127), (v & 128) != 0, (v & 256) != 0};
}
inline int64_t futex_check(const FutexCmd& c) {
    return c.clock_realtime && c.op != 9 ? -38 : 0;
}
struct FutexTimespec {
    int64_t sec, nsec;
};
inline int64_t futex_deadline(const FutexCmd& c, const FutexTimespec& t, uint64_t mono, uint64_t real,
                              uint64_t& deadline) {
    if (futex_check(c) != 0) {
        return -38;
    }
    if (t.sec < 0 || t.nsec < 0 || t.nsec >= 1000000000) {
        return -22;
    }
    const uint64_t v = static_cast<uint64_t>(t.sec) * 1000000000u + static_cast<uint64_t>(t.nsec);
    if (c.op == 0) {
        deadline = mono + v;
    } else if (c.clock_realtime) {
        deadline = v > real ? mono + (v - real) : mono;
    } else {
        deadline = v;
    }
    return 0;
}
inline int wake_op_update(uint32_t* word, uint32_t enc, bool& cmp) {
    const uint32_t op = (enc >> 28) & 7, cmpop = (enc >> 24) & 15;
    uint32_t oparg = (enc >> 12) & 0xfff, cmparg = enc & 0xfff;
    if ((enc >> 31) != 0) {
        oparg = 1u << (oparg & 31);
    }
    uint32_t old = __atomic_load_n(word, __ATOMIC_RELAXED), nv = 0;
    do {
        switch (op) {
        case 0:
            nv = oparg;
            break;
        case 1:
            nv = old + oparg;
            break;
        case 2:
            nv = old | oparg;
            break;
        case 3:
            nv = old & ~oparg;
            break;
        case 4:
            nv = old ^ oparg;
            break;
        default:
            return -38;
        }
    } while (!__atomic_compare_exchange_n(word, &old, nv, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
    const auto o = static_cast<int32_t>(old), a = static_cast<int32_t>(cmparg);
    switch (cmpop) {
    case 0:
        cmp = o == a;
        break;
    case 1:
        cmp = o != a;
        break;
    case 2:
        cmp = o < a;
        break;
    case 3:
        cmp = o <= a;
        break;
    case 4:
        cmp = o > a;
        break;
    case 5:
        cmp = o >= a;
        break;
    default:
        return -38;
    }
    return 0;
}
template <class Mem, class Wake>
void robust_list_cleanup(Mem&, uint64_t, uint32_t, Wake&&) {}

} // namespace ck

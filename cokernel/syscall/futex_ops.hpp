#pragma once
// The futex services other parts of the kernel need (sys_futex.cpp): a thread's end wakes its
// clear_child_tid waiters and releases its robust futexes.
#include <stdint.h>

namespace ck {

struct Process;
struct Thread;

// FUTEX_WAKE of up to n waiters on uaddr whose bitset meets bitset; returns how many woke.
int futex_wake(Process& p, uint64_t uaddr, uint32_t bitset, int n);
// The exiting thread's robust list (set_robust_list): each futex it still owns gets FUTEX_OWNER_DIED and
// one waiter woken, as on Linux.
void robust_list_release(Thread& self);

} // namespace ck

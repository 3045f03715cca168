#include "console.hpp"

#include "console_ring.hpp"
#include "format.hpp"
#include "spinlock.hpp"

namespace ck {
namespace {

cokernel_console* g_ring = nullptr;
Spinlock g_console_lock;

void emit(const char* buf, size_t n, bool emergency) {
    if (g_ring == nullptr) {
        return;
    }
    uint64_t flags = 0;
    asm volatile("pushfq; popq %0; cli" : "=r"(flags)::"memory");
    const bool locked = emergency ? g_console_lock.try_lock_for(100000000) : (g_console_lock.lock(), true);
    console_write(g_ring, buf, n);
    if (locked) {
        g_console_lock.unlock();
    }
    if ((flags & (1u << 9)) != 0) {
        asm volatile("sti" ::: "memory");
    }
}

} // namespace

void console_init(cokernel_console* ring) {
    g_ring = ring;
}

void kprintf(const char* fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    const size_t n = vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    emit(buf, n, false);
}

void kprintf_emergency(const char* fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    const size_t n = vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    emit(buf, n, true);
}

} // namespace ck

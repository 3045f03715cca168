#pragma once
// The co-kernel's console: the shared ring that Linux reads (`cokernel console ID`).
#include <cokernel/boot.h>

namespace ck {

void console_init(cokernel_console* ring);
[[gnu::format(printf, 1, 2)]] void kprintf(const char* fmt, ...);
// For fault paths: never waits for the console lock for long (the holder may be the faulting code).
[[gnu::format(printf, 1, 2)]] void kprintf_emergency(const char* fmt, ...);

} // namespace ck

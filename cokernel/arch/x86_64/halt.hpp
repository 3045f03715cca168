#pragma once

namespace arch {

// Stops the CPU until the next interrupt (the co-kernel is tickless: an idle CPU halts).
inline void halt() { asm volatile("hlt" ::: "memory"); }

} // namespace arch

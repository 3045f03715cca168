#pragma once
// The job's clocks (sys_time.cpp), for the other handlers that take times (futex timeouts).
#include <stdint.h>

namespace ck {

struct Clocks;

// ns of clock clk (CLOCK_* id) now; false for clocks a job cannot read.
bool clock_now(const Clocks& c, uint64_t clk, uint64_t& ns);

} // namespace ck

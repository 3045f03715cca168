#pragma once
// The job's clocks (sys_time.cpp), for the other handlers that take times (futex timeouts).
#include <stdint.h>

namespace ck {

struct Clocks;
struct Thread;

// ns of clock clk (CLOCK_* id) now; false for the CPU-time clocks and for clocks a job cannot read.
bool clock_now(const Clocks& c, uint64_t clk, uint64_t& ns);

// ns of CPU-time clock clk (CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, or a clock_getcpuclockid /
// pthread_getcpuclockid id of the job or one of its threads) now; false for any other clock.
bool cpu_clock_now(Thread& self, uint64_t clk, uint64_t& ns);

} // namespace ck

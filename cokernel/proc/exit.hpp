#pragma once
// How threads and processes end (docs/run.md, "Threads"): exit ends the calling thread (its
// clear_child_tid is zeroed and woken, its robust futexes are released); exit_group, a fatal signal, a CPU
// exception or the proxy's end kill the process, and every thread ends when it next runs in the kernel or
// comes back from its wait. The last thread to end makes the process ended, and kernel/job.cpp, on CPU 0,
// reaps it.
#include <stdint.h>

namespace ck {

struct Process;
struct Thread;

// Ends the calling thread; code is the process's exit status when it is the last one and nothing killed the
// process.
[[noreturn]] void thread_exit(Thread& self, int32_t code);
// Ends every thread of p with status (0..255, or 128 + signal); the first kill's status is the one kept.
void process_kill(Process& p, int32_t status, uint32_t signal);

} // namespace ck

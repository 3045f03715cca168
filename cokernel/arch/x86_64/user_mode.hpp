#pragma once
// What a CPU needs to run threads in ring 3: the SYSCALL MSRs (entry: syscall_entry in user.S) and SSE on
// (jobs use it; the co-kernel itself never does).

namespace arch {

// Every CPU, once.
void user_mode_init();

} // namespace arch

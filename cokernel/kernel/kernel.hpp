#pragma once
// Kernel-wide state and services shared by the files of kernel/.
#include <cokernel/boot.h>
#include <stdint.h>

namespace arch {
class Apic;
} // namespace arch

namespace ck {

template <class T>
T* phys_to_virt(uint64_t phys) {
    return reinterpret_cast<T*>(COKERNEL_PHYSMAP_BASE + phys);
}

const cokernel_boot_params& boot_params();
cokernel_control& control();
uint32_t this_cpu_index();
arch::Apic& this_apic();

// Prints the message, stops this CPU for good and marks the enclave failed (state PANIC) for Linux.
[[noreturn, gnu::format(printf, 1, 2)]] void panic(const char* fmt, ...);
// Stops this CPU for good; the console already says why. enclave_state: enum cokernel_ck_state.
[[noreturn]] void stop_this_cpu(uint32_t enclave_state);

// Linux -> co-kernel commands (commands.cpp), run on CPU 0 from the doorbell interrupt.
void handle_commands();
// An IPI to Linux's notification vector (the one the control block names; none while it names none): command
// answers, and delegated requests or a job's end while the proxy sleeps.
void notify_linux();

} // namespace ck

/* Offsets the assembly entries (user.S) use in C++ structures, in one place for both: proc/percpu.hpp
 * static_asserts that the structure agrees, so a moved field fails the build. */
#pragma once

/* struct ck::PerCpu (proc/percpu.hpp), at %gs:0 in ring 0 */
#define PERCPU_SELF 0
#define PERCPU_KERNEL_RSP 8 /* top of the running thread's kernel stack */
#define PERCPU_USER_RSP 16  /* the thread's %rsp while syscall_entry saves it */

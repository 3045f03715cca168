#pragma once
// The two memory routines the compiler may call even in freestanding code (arch/x86_64/user.S). Co-kernel
// only: hosted code has them from <string.h>.
#include <stddef.h>

extern "C" void* memcpy(void* dst, const void* src, size_t n);
extern "C" void* memset(void* dst, int byte, size_t n);

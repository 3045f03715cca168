// The co-kernel's C++ entry. Booting (console, memory, CPUs) is the next step of the project; for now the
// image proves that the freestanding toolchain produces a loadable higher-half ELF, and it halts.
#include "halt.hpp"

extern "C" [[noreturn]] void kernel_main() {
    for (;;) {
        arch::halt();
    }
}

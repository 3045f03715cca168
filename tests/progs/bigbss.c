// A static program whose memory (a 300 MiB .bss) does not fit the job space of a 256 MiB enclave (198 MiB for
// the executable) but does fit a 512 MiB one (454 MiB), tests/qemu/test_run_refusals.sh: it touches every MiB
// of it and prints "ok".
#include <stdio.h>

static char big[300u << 20];

int main(void) {
    volatile char* p = big; // every access happens: the array stays in .bss
    unsigned long sum = 0;
    for (unsigned long i = 0; i < sizeof big; i += 1u << 20) {
        p[i] = 1;
        sum += (unsigned long)p[i];
    }
    printf("bigbss: %s\n", sum == sizeof big >> 20 ? "ok" : "wrong");
    return 0;
}

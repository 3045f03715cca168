/* A small C program the ELF loader tests build as static, static-PIE and dynamic executables. It uses
 * thread-local storage so that the static builds carry a PT_TLS segment, and prints what it was given. */
#include <stdio.h>
#include <sys/auxv.h>

static __thread int tls_counter = 41;

int main(int argc, char** argv, char** envp) {
    int envc = 0;
    while (envp[envc] != NULL) {
        ++envc;
    }
    ++tls_counter;
    printf("hello from %s: argc=%d envc=%d tls=%d pagesz=%lu\n", argv[0], argc, envc, tls_counter,
           getauxval(AT_PAGESZ));
    for (int i = 1; i < argc; ++i) {
        printf("argv[%d]=%s\n", i, argv[i]);
    }
    return tls_counter;
}

/* dynload: a dynamically linked program that links libckgreet.so (found through LD_LIBRARY_PATH, or for the
 * dynload_origin build through its $ORIGIN/lib run path, which ld.so resolves with readlink of
 * /proc/self/exe) and loads libm.so.6 with dlopen, printing one deterministic line per step, so that a run on
 * Linux and one under `cokernel run` can be compared. Exit 0 when every step worked. */
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>

int ckgreet_answer(int x);
const char* ckgreet_name(void);

int main(void) {
    int bad = 0;
    char exe[4096];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    printf("/proc/self/exe: %s\n", exe);
    printf("%s answers %d\n", ckgreet_name(), ckgreet_answer(7));
    void* m = dlopen("libm.so.6", RTLD_NOW);
    if (m == NULL) {
        printf("dlopen libm.so.6: %s\n", dlerror());
        return 1;
    }
    double (*cbrt_fn)(double) = (double (*)(double))dlsym(m, "cbrt");
    if (cbrt_fn == NULL) {
        printf("dlsym cbrt: %s\n", dlerror());
        bad = 1;
    } else {
        printf("cbrt(27) = %.3f\n", cbrt_fn(27.0));
    }
    printf("dlopen of a missing library fails: %s\n", dlopen("libnot-there.so.9", RTLD_NOW) == NULL ? "yes" : "no");
    dlclose(m);
    return bad;
}

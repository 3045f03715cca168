/* libckgreet.so: a shared library of the test build that no system path holds, for tests/progs/dynload.c
 * (found through LD_LIBRARY_PATH) . */
int ckgreet_answer(int x) {
    return x * 6;
}
const char* ckgreet_name(void) {
    return "ckgreet";
}

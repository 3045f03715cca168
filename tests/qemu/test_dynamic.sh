# vm: --smp 3 --mem 2G --add @BUILD@/tests/elf/hello_dynamic:/root/hello_dynamic --add @BUILD@/tests/elf/hello_dynamic_nopie:/root/hello_nopie --add @BUILD@/tests/elf/hello_bad_interp:/root/hello_bad_interp --add @BUILD@/progs/syscheck_dyn:/root/syscheck_dyn --add @BUILD@/progs/signals_dyn:/root/signals_dyn --add @BUILD@/progs/threads_dyn:/root/threads_dyn --add @BUILD@/progs/omp_dyn:/root/omp_dyn --add @BUILD@/progs/filemap:/root/filemap --add @BUILD@/progs/filemap_dyn:/root/filemap_dyn --add @BUILD@/progs/lib/libckgreet.so:/root/lib/libckgreet.so --add @BUILD@/progs/dynload:/root/dynload --add @BUILD@/progs/dynload_origin:/root/dynload_origin --add /usr/bin/sha256sum:/root/sha256sum --add /usr/bin/sort:/root/sort --add /bin/ls:/root/ls --add /usr/bin/seq:/root/seq
# Dynamically linked programs on the co-kernel: the interpreter named by PT_INTERP (Debian's ld.so, read from
# the VM's files by cokernel run) is loaded above the executable and maps the libraries itself with mmap of
# their files (read through the proxy). Each program runs on Linux (CPUs 0-1) and in a 2-CPU enclave, with
# the same exit status and the same stdout: C programs built as PIE and non-PIE, the dynamic builds of
# syscheck, signals, threads and OpenMP, dlopen, LD_LIBRARY_PATH and a $ORIGIN run path (dynload: ld.so
# reads /proc/self/exe, which names the job's program), Debian's coreutils and the
# cokernel command itself (C++: libstdc++, hwloc). tests/progs/filemap checks mmap of files (private,
# shared read-only, the loader's MAP_FIXED pattern, the errors), statically and dynamically linked; its one
# known difference, a writable MAP_SHARED mapping (ENODEV on the co-kernel), is checked as such. A missing
# interpreter is refused before anything runs.
. /root/lib.sh
plan 37
check "modprobe cokernel" modprobe cokernel
check "create a 2-CPU enclave" cokernel create --ncpus 2 --mem 256M
id=$(printf '%s\n' "$out" | tail -n1)
mkdir -p /root/w /root/work
/root/seq 1 30000 > /root/numbers

# same NAME ENV PROG ARGS...: PROG on Linux's CPUs 0-1 and in the enclave (ENV: VAR=VALUE, or -): the same
# exit status, the same non-empty stdout. 2 checks.
same() {
    name=$1 env=$2
    shift 2
    [ "$env" = - ] && env=COKERNEL_TEST_UNUSED=1
    env "$env" timeout 120 taskset -c 0-1 "$@" > /root/linux.txt 2>/root/linux-err.txt
    lrc=$?
    env "$env" timeout 120 cokernel run --enclave "$id" "$@" > /root/ck.txt 2>/root/ck-err.txt
    crc=$?
    check_eq "$name: exit status as on Linux ($(head -c 300 /root/ck-err.txt | tr '\n' ' '))" "$crc" "$lrc"
    if [ -s /root/linux.txt ] && cmp -s /root/linux.txt /root/ck.txt; then
        ok "$name: same output as on Linux ($(wc -l < /root/ck.txt) lines, exit $lrc)"
    else
        not_ok "$name: output differs from Linux's ($(wc -l < /root/linux.txt) lines): $(diff /root/linux.txt /root/ck.txt | head -n 20 | tr '\n' ' ')"
    fi
}
same "hello (PIE)" - /root/hello_dynamic a 'b c'
same "hello (non-PIE)" - /root/hello_nopie x
same "syscheck, dynamically linked" - /root/syscheck_dyn /root/w
same "signals, dynamically linked" - /root/signals_dyn
same "threads, dynamically linked" - /root/threads_dyn
same "OpenMP (libgomp.so), 2 threads" OMP_NUM_THREADS=2 /root/omp_dyn
same "dlopen and LD_LIBRARY_PATH" LD_LIBRARY_PATH=/root/lib /root/dynload
same "a \$ORIGIN run path (readlink of /proc/self/exe)" - /root/dynload_origin
check_eq "/proc/self/exe names the program" "$(head -n1 /root/ck.txt)" "/proc/self/exe: /root/dynload_origin"
same "coreutils sha256sum" - /root/sha256sum /root/numbers
same "coreutils sort -rn" - /root/sort -rn /root/numbers
same "coreutils ls -l" - /root/ls -l /root/sort /root/lib
same "the cokernel command (C++) --help" - "$(command -v cokernel)" --help

# filemap: the same lines but the writable MAP_SHARED one, which is "ok" on Linux and ENODEV here. 4 checks.
filemap() {
    prog=$1
    timeout 120 "$prog" /root/work > /root/linux.txt 2>&1
    lrc=$?
    timeout 120 cokernel run --enclave "$id" "$prog" /root/work > /root/ck.txt 2>&1
    crc=$?
    check_eq "$prog: exit 0 on Linux and on the co-kernel" "$lrc:$crc" "0:0"
    grep -v '^shared-write:' /root/linux.txt > /root/linux-common.txt
    grep -v '^shared-write:' /root/ck.txt > /root/ck-common.txt
    if [ "$(grep -c . /root/linux-common.txt)" -ge 25 ] && cmp -s /root/linux-common.txt /root/ck-common.txt; then
        ok "$prog: the same $(wc -l < /root/ck-common.txt) lines as on Linux"
    else
        not_ok "$prog: differs from Linux: $(diff /root/linux-common.txt /root/ck-common.txt | head -n 20 | tr '\n' ' ')"
    fi
    check_eq "$prog: a writable MAP_SHARED file mapping works on Linux" "$(grep '^shared-write:' /root/linux.txt)" "shared-write: ok"
    check_eq "$prog: ... and is refused with ENODEV on the co-kernel" "$(grep '^shared-write:' /root/ck.txt)" "shared-write: ENODEV"
}
filemap /root/filemap
filemap /root/filemap_dyn

check_fails "an executable whose interpreter is missing is refused" \
    "its interpreter /nonexistent/ld.so: No such file or directory" cokernel run --enclave "$id" /root/hello_bad_interp
check_dmesg_clean
finish

# vm: --smp 2 --mem 1G --add @BUILD@/progs/syscheck:/root/syscheck --add @BUILD@/progs/stream:/root/stream --add @BUILD@/progs/syscall_bench:/root/syscall_bench
# The static test programs (tests/progs, bench/vm) on plain Linux in the VM, no co-kernel: the reference that
# runs under `cokernel run` will be compared with. syscheck's output is complete and deterministic, exit
# statuses propagate, the benchmarks run and print their figures. Small sizes: the VM is QEMU TCG.
. /root/lib.sh
plan 51
mkdir -p /root/w1 /tmp/w2

if out1=$(/root/syscheck /root/w1 2>&1); then ok "syscheck runs and exits 0"; else not_ok "syscheck (exit $?): $out1"; fi
# No FAIL line, in an output that has its ok lines (an empty output has no FAIL line either).
n_ok=$(printf '%s\n' "$out1" | grep -c '^ok ')
n_fail=$(printf '%s\n' "$out1" | grep -c '^FAIL')
[ "$n_ok" -gt 0 ] && [ "$n_fail" -eq 0 ] && ok "syscheck: $n_ok ok lines, no FAIL" ||
    not_ok "syscheck: $n_ok ok lines, $n_fail FAIL: $(printf '%s\n' "$out1" | grep '^FAIL')"
for s in files directories stat lseek time mmap brk identity argv/envp cleanup; do
    printf '%s\n' "$out1" | grep -qx "== $s" && ok "syscheck section $s" || not_ok "syscheck lacks section $s"
done
for line in 'ok   create f1 again with O_EXCL fails with EEXIST' \
    'ok   rmdir non-empty d fails with ENOTEMPTY' \
    '     d has 6 entries: . .. alpha mid sub zeta' \
    '     fstat s: mode 100640 size 16' \
    '     lstat link: mode 120777 size 1' \
    'ok   the hole reads as zeros' \
    'ok   monotonic: increases by at least the 10 ms slept' \
    'ok   wrote and read back every one of 16384 pages' \
    'ok   mprotect first page read-only' \
    'ok   sbrk shrinks the break back' \
    '     sysname Linux machine x86_64'; do
    printf '%s\n' "$out1" | grep -qxF -- "$line" && ok "syscheck prints '$line'" || not_ok "syscheck lacks '$line'"
done
last=$(printf '%s\n' "$out1" | tail -n1)
case "$last" in "syscheck: all "*" checks passed; exit status 0") ok "syscheck summary: $last" ;;
*) not_ok "syscheck summary: $last" ;; esac
check_eq "syscheck removed its work directory" "$([ -d /root/w1 ] && ls -A /root/w1 || echo 'no /root/w1')" ""

# Determinism: a second run, in another directory (another file system), prints the same.
out2=$(/root/syscheck /tmp/w2 2>&1)
if [ "$out1" = "$out2" ]; then ok "second run prints the same output"; else
    not_ok "second run differs: $(printf '%s\n' "$out1" >/tmp/o1; printf '%s\n' "$out2" >/tmp/o2; diff /tmp/o1 /tmp/o2)"; fi

# Exit statuses: odd ones through exit(), even ones by returning from main.
for st in 7 42 0 255; do
    /root/syscheck /root/w1 $st >/dev/null 2>&1
    check_eq "syscheck DIR $st exits $st" "$?" "$st"
done
/root/syscheck >/dev/null 2>&1
check_eq "syscheck without DIR exits 2" "$?" "2"
/root/syscheck /nonexistent >/dev/null 2>&1
check_eq "syscheck in a missing DIR exits 2" "$?" "2"

# argv and envp reach the program.
out=$(SYSCHECK_B=two SYSCHECK_A='one 1' /root/syscheck /root/w1 3 alpha 'beta gamma' '' 2>&1)
check_eq "syscheck with arguments exits 3" "$?" "3"
printf '%s\n' "$out" | grep -qxF '     argc 6' && ok "argc 6" || not_ok "argc: $out"
printf '%s\n' "$out" | grep -qxF '     arg 2: [beta gamma]' && ok "argument with a space" || not_ok "arg 2: $out"
printf '%s\n' "$out" | grep -qxF '     arg 3: []' && ok "empty argument" || not_ok "arg 3: $out"
env_lines=$(printf '%s\n' "$out" | grep '^     env ' | tr '\n' '|')
check_eq "SYSCHECK_ environment, sorted" "$env_lines" "     env SYSCHECK_A=one 1|     env SYSCHECK_B=two|"

# Benchmarks: they run and print their lines (figures are printed, never asserted).
if out=$(/root/stream 200000 3 2>&1); then ok "stream runs"; else not_ok "stream (exit $?): $out"; fi
echo "$out"
printf '%s\n' "$out" | grep -q '^Solution validates' && ok "stream: Solution validates" || not_ok "stream: $out"
for k in Copy Scale Add Triad; do
    printf '%s\n' "$out" | grep -qE "^$k +[0-9.]+ " && ok "stream prints $k" || not_ok "stream lacks $k"
done
if out=$(/root/syscall_bench 2000 3 2>&1); then ok "syscall_bench runs"; else not_ok "syscall_bench (exit $?): $out"; fi
echo "$out"
for k in empty_loop getpid clock_gettime getppid fstat write_devnull; do
    printf '%s\n' "$out" | grep -qE "^$k +[0-9.]+ ns/call +[0-9]+ cycles/call" && ok "syscall_bench prints $k" ||
        not_ok "syscall_bench lacks $k"
done
check_dmesg_clean
finish

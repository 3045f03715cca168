# vm: --smp 3 --mem 2G --add @BUILD@/progs/signals:/root/signals
# Native signals: tests/progs/signals (handlers with siginfo, masks, pending sets, SA_RESETHAND/NODEFER/
# ONSTACK/RESTART, the alternate stack, faults to handlers and siglongjmp, registers and SSE state across a
# handler, nanosleep/futex interrupted, sigsuspend, sigtimedwait, pause, sigqueue, signals to threads) prints the
# same and exits the same in a 2-CPU enclave as on Linux; the default actions end the job with 128 + the
# signal as on Linux (abort, SIGTERM, an unhandled SIGSEGV, SIGUSR1 raised in a thread), and the enclave takes
# the next job.
. /root/lib.sh
plan 20
start_cpus=$(cat /sys/devices/system/cpu/online)
check "modprobe cokernel" modprobe cokernel

timeout 120 taskset -c 0-1 /root/signals > /root/linux.txt 2>/root/linux-err.txt
rc=$?
last=$(tail -n1 /root/linux.txt)
check_eq "signals on Linux: exit 0, 'all checks passed' ($(grep -v '^ok' /root/linux.txt | head -n 5 | tr '\n' ' '))" \
    "$rc:$last" "0:signals: all checks passed"
echo "# Linux: $(wc -l < /root/linux.txt) lines"

check "create a 2-CPU enclave" cokernel create --ncpus 2 --mem 256M
id=$(printf '%s\n' "$out" | tail -n1)
timeout 120 cokernel run --enclave "$id" /root/signals > /root/ck.txt 2>/root/ck-err.txt
rc=$?
check_eq "signals on the co-kernel: exit 0 ($(head -c 300 /root/ck-err.txt | tr '\n' ' '))" "$rc" "0"
if cmp -s /root/linux.txt /root/ck.txt; then ok "signals: the same output as on Linux ($(wc -l < /root/ck.txt) lines)"; else
    not_ok "signals: output differs from Linux: $(diff /root/linux.txt /root/ck.txt | head -n 20 | tr '\n' ' ')"; fi

# Default actions: the exit status on Linux, then on the co-kernel (2 checks each).
for pair in abort:134 term:143 segv:139 usr1-thread:138; do
    mode=${pair%:*} want=${pair#*:}
    timeout 60 /root/signals "$mode" >/dev/null 2>&1
    check_eq "signals $mode on Linux: exit $want" "$?" "$want"
    timeout 60 cokernel run --enclave "$id" /root/signals "$mode" >/dev/null 2>/root/ck-err.txt
    check_eq "signals $mode on the co-kernel: exit $want ($(head -c 200 /root/ck-err.txt | tr '\n' ' '))" "$?" "$want"
done
console=$(cokernel console "$id")
n=$(printf '%s\n' "$console" | grep -c 'job: exception 14 at RIP .*: killed by signal 11')
check_eq "the console names the unhandled fault (and only that one)" "$n" "1"

check "a plain job after the signalled ones" cokernel run --enclave "$id" /bin/busybox echo next
check_eq "its output" "$out" "next"
printf '%s\n' "$(cokernel console "$id")" | grep -q PANIC && not_ok "the console has a PANIC" ||
    ok "no PANIC on the console"
check "destroy" cokernel destroy "$id"
check_eq "CPUs are back" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_dmesg_clean
finish

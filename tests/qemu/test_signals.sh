# vm: --smp 3 --mem 2G --add @BUILD@/progs/signals:/root/signals
# Native signals: tests/progs/signals (handlers with siginfo, masks, pending sets, SA_RESETHAND/NODEFER/
# ONSTACK/RESTART, the alternate stack, faults to handlers and siglongjmp, registers and SSE state across a
# handler, nanosleep/futex interrupted, sigsuspend, sigtimedwait, pause, sigqueue, signals to threads) prints the
# same and exits the same in a 2-CPU enclave as on Linux; the default actions end the job with 128 + the
# signal as on Linux (abort, SIGTERM, an unhandled SIGSEGV, SIGUSR1 raised in a thread). Signals sent to
# `cokernel run` from Linux (SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGTERM) reach the job's handlers while
# it computes, and without a handler end it as on Linux (SIGTERM 143, SIGINT 130); SIGINT to `cokernel run`
# ends a job's read of an empty pipe (delegated: the proxy's read is interrupted) with EINTR after the
# handler, as on Linux. The enclave takes the next job.
. /root/lib.sh
plan 33
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
# signalled OUT SIGNALS... -- CMD...: CMD in the background, its output in OUT; once it printed "ready", each
# signal in turn to its pid; leaves its exit status in rc.
signalled() {
    o=$1
    shift
    sigs=""
    while [ "$1" != -- ]; do sigs="$sigs $1"; shift; done
    shift
    "$@" > "$o" 2>&1 &
    pid=$!
    for i in $(seq 200); do grep -q '^ready' "$o" && break; sleep 0.1; done
    for sg in $sigs; do kill -"$sg" "$pid"; sleep 0.3; done
    wait "$pid"
    rc=$?
}
all_six="HUP INT QUIT USR1 USR2 TERM"
signalled /root/linux-fl.txt $all_six -- timeout 60 /root/signals from-linux
check_eq "from-linux on Linux: every signal to its handler, exit 0 ($(tail -n1 /root/linux-fl.txt))" "$rc" "0"
signalled /root/ck-fl.txt $all_six -- cokernel run --enclave "$id" /root/signals from-linux
check_eq "from-linux: the six signals sent to cokernel run reach the job's handlers, exit 0 ($(tail -n2 /root/ck-fl.txt | tr '\n' ' '))" "$rc" "0"
if cmp -s /root/linux-fl.txt /root/ck-fl.txt; then ok "from-linux: the same output as on Linux"; else
    not_ok "from-linux: output differs: $(diff /root/linux-fl.txt /root/ck-fl.txt | head -n 10 | tr '\n' ' ')"; fi
# Ctrl-C of a job blocked in a delegated read: the proxy's read is interrupted, the handler runs, EINTR.
signalled /root/linux-rl.txt INT -- timeout 60 /root/signals read-from-linux
check_eq "read-from-linux on Linux: SIGINT's handler ends the read with EINTR, exit 0 ($(tail -n1 /root/linux-rl.txt))" "$rc" "0"
signalled /root/ck-rl.txt INT -- cokernel run --enclave "$id" /root/signals read-from-linux
check_eq "read-from-linux: SIGINT to cokernel run interrupts the job's delegated read, exit 0 ($(tail -n1 /root/ck-rl.txt))" "$rc" "0"
if cmp -s /root/linux-rl.txt /root/ck-rl.txt; then ok "read-from-linux: the same output as on Linux"; else
    not_ok "read-from-linux: output differs: $(diff /root/linux-rl.txt /root/ck-rl.txt | head -n 10 | tr '\n' ' ')"; fi
# What execve keeps: ignored signals and the mask of the process that ran the job (here of cokernel run).
timeout 60 /root/signals spawn /root/signals inherited > /root/linux-inh.txt 2>&1
timeout 60 /root/signals spawn cokernel run --enclave "$id" /root/signals inherited > /root/ck-inh.txt 2>&1
check_eq "inherited: SIGHUP ignored, SIGTERM blocked from the parent, on Linux" \
    "$(grep -c -e 'signal 1: ignored, not blocked' -e 'signal 15: default, blocked' /root/linux-inh.txt)" "2"
if cmp -s /root/linux-inh.txt /root/ck-inh.txt; then ok "inherited: the job starts with the ignored signals and mask of cokernel run, as on Linux"; else
    not_ok "inherited: differs from Linux: $(diff /root/linux-inh.txt /root/ck-inh.txt | head -n 10 | tr '\n' ' ')"; fi
for pair in TERM:143 INT:130; do
    sg=${pair%:*} want=${pair#*:}
    signalled /root/linux-spin.txt "$sg" -- timeout 60 /root/signals spin
    check_eq "SIG$sg to a job with no handler, on Linux: exit $want" "$rc" "$want"
    signalled /root/ck-spin.txt "$sg" -- cokernel run --enclave "$id" /root/signals spin
    check_eq "SIG$sg to cokernel run of a job with no handler: exit $want ($(tail -n1 /root/ck-spin.txt))" "$rc" "$want"
done
console=$(cokernel console "$id")
n=$(printf '%s\n' "$console" | grep -c 'job: signal 15, whose action is to end it')
check_eq "the console says SIGTERM's default action ended the job (raise, then kill of cokernel run)" "$n" "2"
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

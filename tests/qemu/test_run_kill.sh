# vm: --smp 4 --mem 2G --add @BUILD@/progs/sleep_write:/root/sleep_write --add @BUILD@/progs/signals:/root/signals
# A proxy that goes away ends its job: kill -9 of `cokernel run --enclave ID` while the job sleeps (native),
# waits in a delegated read, or computes in ring 3; SIGINT and SIGTERM go to the job, whose default action (it
# has no handler) ends it with that signal; the enclave takes the next job. kill -9 of
# `cokernel run --ncpus N` (a temporary enclave) destroys the enclave with the proxy.
. /root/lib.sh
plan 46
start_cpus=$(cat /sys/devices/system/cpu/online)
check "modprobe cokernel" modprobe cokernel
check "create an enclave" cokernel create --ncpus 1 --mem 256M
id=$(printf '%s\n' "$out" | tail -n1)
cpus_with_enclave=$(cat /sys/devices/system/cpu/online)
mem_with_enclave=$(grep MemTotal /proc/meminfo)

count() { cokernel console "$1" 2>/dev/null | grep -c "$2"; }
# wait_for ID TEXT N: until the console of enclave ID has more than N lines with TEXT (30 s at most).
wait_for() {
    for i in $(seq 120); do
        [ "$(count "$1" "$2")" -gt "$3" ] && return 0
        sleep 0.25
    done
    return 1
}

# kill_during SIGNAL STATUS WHAT CMD...: starts CMD on the enclave, waits for the job to start, sends SIGNAL
# to the launcher; the launcher exits STATUS, the co-kernel ends the job (killed by signal STATUS - 128), the next
# job runs. 5 checks.
kill_during() {
    sig=$1 status=$2 what=$3
    shift 3
    n=$((status - 128))
    started=$(count "$id" 'job: starting')
    ended=$(count "$id" "job: killed by signal $n ")
    "$@" &
    pid=$!
    if wait_for "$id" 'job: starting' "$started"; then ok "$what: the job started"; else
        not_ok "$what: the job did not start: $(cokernel console "$id" | tail -n3)"
    fi
    sleep 1
    kill "-$sig" $pid
    wait $pid
    check_eq "$what: kill -$sig of the launcher: exit $status" "$?" "$status"
    if wait_for "$id" "job: killed by signal $n " "$ended"; then
        ok "$what: the co-kernel ended the job ($(cokernel console "$id" | grep -E 'proxy on Linux is gone|whose action is to end it' | tail -n1))"
    else
        not_ok "$what: the job was not ended: $(cokernel console "$id" | tail -n3)"
    fi
    check "$what: the enclave takes the next job" cokernel run --enclave "$id" /bin/busybox echo next
    check_eq "$what: the next job's output" "$out" "next"
}

kill_during KILL 137 "sleeping job" cokernel run --enclave "$id" /bin/busybox sleep 60
# A job blocked in a delegated read (its stdin is a pipe nobody writes to).
mkfifo /root/fifo
sleep 1000 >/root/fifo &
writer=$!
kill_during KILL 137 "job in a delegated read" sh -c "exec cokernel run --enclave $id /bin/busybox cat </root/fifo"
kill $writer
kill_during KILL 137 "computing job" cokernel run --enclave "$id" /bin/busybox sh -c 'while :; do :; done'
# A shell's background job starts with SIGINT and SIGQUIT ignored, and so would its job (execve keeps them):
# /root/signals default gives them back their default action first, as an interactive shell's job has it.
kill_during INT 130 "SIGINT, sleeping job" /root/signals default cokernel run --enclave "$id" /bin/busybox sleep 60
kill_during TERM 143 "SIGTERM, computing job" cokernel run --enclave "$id" /bin/busybox sh -c 'while :; do :; done'

# Waiting: a job that sleeps 3 s natively (tests/progs/sleep_write: nanosleep on the co-kernel's TSC, no
# request to the proxy), then writes, finds the proxy asleep; with the default --wait=notify the co-kernel
# wakes it through the notification IRQ (more interrupts than the same job with --wait=poll, which gets only
# the command answers and the end-of-job notice), and both print the same. The proxy spins 20000 pauses
# (milliseconds) before it sleeps; a job that computed instead (a busybox shell loop) raced with that spin
# under load, since both run at the speed of the loaded machine, and the proxy then never slept (failed as
# "3 with --wait=notify, 3 with --wait=poll"). A sleep is wall-clock time whatever the load.
irqs() { awk '/ cokernel$/ {n = 0; for (i = 2; i <= NF - 3; i++) n += $i; print n}' /proc/interrupts; }
before=$(irqs)
check "--wait=poll: sleep, then write" cokernel run --wait=poll --enclave "$id" /root/sleep_write 3 polled
check_eq "--wait=poll: output" "$out" "polled"
poll_irqs=$(($(irqs) - before))
before=$(irqs)
check "--wait=notify: sleep, then write" cokernel run --enclave "$id" /root/sleep_write 3 notified
check_eq "--wait=notify: output" "$out" "notified"
notify_irqs=$(($(irqs) - before))
[ "$notify_irqs" -gt "$poll_irqs" ] && ok "the notified proxy was woken by the IRQ ($notify_irqs IRQs, $poll_irqs polling)" ||
    not_ok "notification IRQs: $notify_irqs with --wait=notify, $poll_irqs with --wait=poll"
check_fails "--wait with a bad value" "--wait: 'sometimes' is neither notify nor poll" \
    cokernel run --wait=sometimes --enclave "$id" /bin/busybox true

# A second launcher on the same enclave while a job runs is refused, and the running job goes on.
started=$(count "$id" 'job: starting')
cokernel run --enclave "$id" /bin/busybox sleep 4 >/dev/null &
pid=$!
wait_for "$id" 'job: starting' "$started" && ok "the first job started" || not_ok "the first job did not start"
err=$(cokernel run --enclave "$id" /bin/busybox true 2>&1)
rc=$?
check_eq "a second launcher is refused (exit 125: cokernel run failed)" "$rc" "125"
printf '%s' "$err" | grep -q "is already running a job" && ok "refusal: $err" || not_ok "refusal text: $err"
wait $pid
check_eq "the first job still ends normally" "$?" "0"

# kill -9 of a launcher with a temporary enclave: the module destroys the enclave when the proxy's file goes.
cokernel run --ncpus 1 --mem 256M /bin/busybox sleep 60 &
pid=$!
tmp=""
for i in $(seq 240); do
    tmp=$(awk -v keep="$id" '$1 ~ /^[0-9]+$/ && $1 != keep {print $1}' /proc/cokernel)
    [ -n "$tmp" ] && [ "$(count "$tmp" 'job: starting')" -gt 0 ] && break
    sleep 0.25
done
if [ -n "$tmp" ]; then ok "temporary enclave $tmp runs the job"; else not_ok "no temporary enclave appeared"; fi
kill -9 $pid
wait $pid
check_eq "kill -9 of the launcher: exit 137" "$?" "137"
if [ -z "$tmp" ]; then not_ok "the temporary enclave is gone: there was none to look for"
elif awk -v t="$tmp" '$1 == t {found = 1} END {exit !found}' /proc/cokernel; then
    not_ok "the temporary enclave $tmp is still there: $(cat /proc/cokernel)"
else ok "the temporary enclave $tmp is gone"; fi
check_eq "its CPU is back" "$(cat /sys/devices/system/cpu/online)" "$cpus_with_enclave"
# The module onlined its memory itself, before the killed launcher's exit completed: no waiting.
check_eq "its memory is back online" "$(grep MemTotal /proc/meminfo)" "$mem_with_enclave"
# No 'cokernel run' left in a process list that does list this script (an empty list shows nothing either).
procs=$(ps -o pid,args)
case "$procs" in *"/root/test.sh"*) check_eq "no cokernel run process is left" "$(printf '%s\n' "$procs" | grep -c '[c]okernel run')" "0" ;;
*) not_ok "no cokernel run process is left: ps does not list this script: $procs" ;; esac

check "destroy" cokernel destroy "$id"
check_eq "CPUs are back" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_dmesg_clean
finish

# vm: --smp 4 --mem 2G
# Linux's own CPU bring-up still works after an enclave boot borrowed its SMP trampoline (issue 11, the
# trampoline lock case: since 6.5 Linux's trampoline takes a lock that the started CPU releases, so a borrower
# that left the pages or the lock in another state would hang the next CPU Linux starts). A CPU Linux took
# offline before the boot comes back online after it, while the enclave runs; the enclave keeps answering; a
# second boot after Linux's bring-up works; destroy brings the enclave's CPUs up through the same trampoline.
. /root/lib.sh
plan 17
start_cpus=$(cat /sys/devices/system/cpu/online)
check_eq "the VM starts with 4 CPUs" "$start_cpus" "0-3"
check "modprobe cokernel" modprobe cokernel

check "Linux takes CPU 3 offline" sh -c 'echo 0 > /sys/devices/system/cpu/cpu3/online'
check_eq "CPU 3 is offline" "$(cat /sys/devices/system/cpu/online)" "0-2"
check "create and boot an enclave on CPU 1 (borrows Linux's trampoline)" cokernel create --cpus 1 --mem 256M
a=$(printf '%s\n' "$out" | tail -n1)

check "Linux brings CPU 3 online after the boot" sh -c 'echo 1 > /sys/devices/system/cpu/cpu3/online'
check_eq "CPUs online: 0, 2, 3 (1 is the enclave's)" "$(cat /sys/devices/system/cpu/online)" "0,2-3"
# The CPU really runs Linux's tasks: its scheduler tick counts up.
ticks() { awk 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "CPU3") c = i + 1} /LOC:/ && c {print $c}' /proc/interrupts; }
t0=$(ticks)
sleep 1
t1=$(ticks)
[ -n "$t0" ] && [ -n "$t1" ] && [ "$t1" -gt "$t0" ] && ok "CPU 3's local timer ticks ($t0 -> $t1)" ||
    not_ok "CPU 3's local timer: '$t0' -> '$t1' ($(grep LOC: /proc/interrupts))"
check "the enclave still answers a ping" cokernel ping "$a"

check "a second enclave boots on CPU 2 after Linux's bring-up" cokernel create --cpus 2 --mem 256M
b=$(printf '%s\n' "$out" | tail -n1)
check "it answers a ping" cokernel ping "$b"
check "Linux cycles CPU 3 off and on with both enclaves running" \
    sh -c 'echo 0 > /sys/devices/system/cpu/cpu3/online && echo 1 > /sys/devices/system/cpu/cpu3/online'
check_eq "CPUs online: 0 and 3" "$(cat /sys/devices/system/cpu/online)" "0,3"
check "the first enclave still answers" cokernel ping "$a"

check "destroy both (Linux starts CPUs 1 and 2 again)" cokernel destroy --all
check_eq "all CPUs online" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_dmesg_clean
finish

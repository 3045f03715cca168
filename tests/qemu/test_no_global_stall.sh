# vm: --smp 4 --mem 2G --add @BUILD@/tests/ckctl:/root/ckctl
# Issue 15, item 4: one enclave's long operation stalls nobody else. Before, BOOT held the module's one table
# lock for its whole wait (a hung co-kernel: the timeout, up to any length the caller chose), so
# /proc/cokernel, every ioctl and every other enclave waited with it, and the wait ignored signals. Now each
# enclave has its own lock, the waits are bounded (BOOT's timeout at most 60 s) and a signal ends them.
. /root/lib.sh
plan 20
image=/usr/lib/cokernel/cokernel.elf
check "modprobe cokernel" modprobe cokernel
check "create and boot enclave B" cokernel create --ncpus 1 --mem 128M
b=$(printf '%s\n' "$out" | tail -n1)
check "create enclave A, not booted" cokernel create --ncpus 1 --mem 256M --no-boot
a=$(printf '%s\n' "$out" | tail -n1)

# A's co-kernel never reports up (ck.boot_hang): BOOT waits its whole timeout, 50 s, under A's lock.
/root/ckctl boot "$a" "$image" ck.boot_hang 50000 >/root/boot.out 2>&1 &
boot=$!
for i in $(seq 100); do grep -q "^$a booting " /proc/cokernel && break; sleep 0.2; done
check_eq "A is booting (BOOT waits for it)" "$(awk -v a="$a" '$1 == a {print $2}' /proc/cokernel)" "booting"
waiting() { kill -0 "$boot" 2>/dev/null && echo "still waiting"; }
check "/proc/cokernel answers meanwhile" cat /proc/cokernel
check_eq "... while A's boot is still waiting" "$(waiting)" "still waiting"
check "cokernel list answers meanwhile" cokernel list
check_eq "... while A's boot is still waiting" "$(waiting)" "still waiting"
check "enclave B answers a ping meanwhile" cokernel ping "$b"
check "and runs a job" cokernel run --enclave "$b" /bin/busybox echo fine
check_eq "its output" "$out" "fine"
check_eq "... while A's boot is still waiting" "$(waiting)" "still waiting"
check_fails "BOOT's timeout is bounded: 60001 ms is refused" "Invalid argument" \
    /root/ckctl boot "$b" "$image" "" 60001

# A signal ends the wait at once, and A is as it was before BOOT (partitioned, bootable).
kill -TERM "$boot"
wait "$boot"
check_eq "the booting process ends on SIGTERM" "$?" "143"
check_eq "A is partitioned again, not failed" "$(awk -v a="$a" '$1 == a {print $2}' /proc/cokernel)" \
    "partitioned"
check "A boots now" /root/ckctl boot "$a" "$image"
check "A answers a ping" cokernel ping "$a"
check "destroy --all" cokernel destroy --all
check_eq "all CPUs online" "$(cat /sys/devices/system/cpu/online)" "0-3"
check_dmesg_clean
finish

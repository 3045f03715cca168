# vm: --smp 4 --mem 2G --add @BUILD@/progs/shootdown:/root/shootdown
# TLB shootdown (tests/progs/shootdown): a thread on a second enclave CPU loops on a page while the main thread
# munmaps it, mprotects it PROT_NONE, or (the thread writing) mprotects it read-only. Its next access must
# fault and SIGSEGV kill the process (status 139), as on Linux; a CPU whose TLB was not invalidated goes on
# using the page (QEMU's per-vCPU software TLB keeps the entry of a page the loop keeps touching), and the
# program then says so and exits 1. In a 2-CPU enclave: main and the thread must be on its two CPUs.
. /root/lib.sh
plan 29
start_cpus=$(cat /sys/devices/system/cpu/online)
start_mem=$(grep MemTotal /proc/meminfo)
check "modprobe cokernel" modprobe cokernel

# cpus_differ FILE: the first line is "cpus: main M, reader R" with M != R.
cpus_differ() {
    line=$(head -n1 "$1")
    m=$(printf '%s' "$line" | sed -n 's/^cpus: main \([0-9]*\), reader \([0-9]*\)$/\1/p')
    r=$(printf '%s' "$line" | sed -n 's/^cpus: main \([0-9]*\), reader \([0-9]*\)$/\2/p')
    [ -n "$m" ] && [ -n "$r" ] && [ "$m" != "$r" ]
}

# On Linux: the reference status and output (2 checks per variant).
for v in munmap mprotect readonly; do
    timeout 60 /root/shootdown $v > /root/linux-$v.txt 2>/dev/null
    rc=$?
    check_eq "$v on Linux: killed by SIGSEGV, 139 ($(tr '\n' ';' < /root/linux-$v.txt))" "$rc" "139"
    if cpus_differ /root/linux-$v.txt && [ "$(sed -n 2p /root/linux-$v.txt)" = "shootdown $v: the reader runs, taking the page away" ] &&
        [ "$(grep -c . /root/linux-$v.txt)" -eq 2 ]; then ok "$v on Linux: two CPUs, then nothing after the change"; else
        not_ok "$v on Linux: $(cat /root/linux-$v.txt)"; fi
done

check "create a 2-CPU enclave" cokernel create --ncpus 2 --mem 256M
id=$(printf '%s\n' "$out" | tail -n1)
faults=0
for v in munmap mprotect readonly; do
    timeout 60 cokernel run --enclave "$id" /root/shootdown $v > /root/ck.txt 2>/root/ck-err.txt
    rc=$?
    check_eq "$v on the co-kernel: killed by SIGSEGV, 139 as on Linux ($(tr '\n' ';' < /root/ck.txt) $(head -c 300 /root/ck-err.txt | tr '\n' ' '))" "$rc" "139"
    cpus_differ /root/ck.txt && ok "$v: main and the reader on two CPUs ($(head -n1 /root/ck.txt))" ||
        not_ok "$v: not on two CPUs: $(head -n1 /root/ck.txt)"
    # The same output as on Linux but for the CPU numbers.
    if [ "$(sed 1d /root/ck.txt)" = "$(sed 1d /root/linux-$v.txt)" ]; then ok "$v: the same lines as on Linux"; else
        not_ok "$v: differs from Linux: $(diff /root/linux-$v.txt /root/ck.txt | head -n 10)"; fi
    faults=$((faults + 1))
    n=$(cokernel console "$id" | grep -c 'exception 14 at RIP .*killed by signal 11')
    check_eq "$v: the console reports the reader's page fault" "$n" "$faults"
    check "ping after $v" cokernel ping "$id"
done

check "the enclave takes the next job" timeout 60 cokernel run --enclave "$id" /bin/busybox echo next
check_eq "the next job's output" "$out" "next"
check "destroy" cokernel destroy "$id"
check_eq "CPUs are back" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_eq "memory is back" "$(grep MemTotal /proc/meminfo)" "$start_mem"
check_dmesg_clean
finish

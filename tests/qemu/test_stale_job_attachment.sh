# vm: --smp 4 --mem 2G --add @BUILD@/tests/job_file:/root/job_file
# Issue 15, item 1: a file attached to an enclave's job region stays bound to that enclave, not to its id. A
# root-opened attached file in the hands of user nobody, held across the destroy of its enclave and the
# creation of a new enclave with the same id, maps nothing (before the fix it mapped the old region: Linux's
# RAM by then). And a sealed proxy file takes JOB_WAIT and nothing else.
. /root/lib.sh
plan 21
start_cpus=$(cat /sys/devices/system/cpu/online)
start_mem=$(grep MemTotal /proc/meminfo)
check "modprobe cokernel" modprobe cokernel

check "create enclave A" cokernel create --ncpus 1 --mem 256M
check_eq "A is enclave 0" "$(printf '%s\n' "$out" | tail -n1)" "0"
mkfifo /tmp/go
/root/job_file stale 0 /tmp/go >/tmp/stale.out 2>&1 &
holder=$!
for i in $(seq 50); do grep -q attached /tmp/stale.out && break; sleep 0.2; done
check_eq "a process of user nobody holds a file attached to A" "$(head -n1 /tmp/stale.out)" "attached"
check "A can be destroyed: the file maps nothing" cokernel destroy 0
check "create enclave B" cokernel create --ncpus 1 --mem 256M
check_eq "B gets id 0 again" "$(printf '%s\n' "$out" | tail -n1)" "0"
echo go >/tmp/go
wait $holder
check_eq "the holder ran to the end" "$?" "0"
check_eq "the stale file maps nothing of B's or A's memory" "$(sed -n 2p /tmp/stale.out)" "mmap: ENODEV"
check_eq "... nor a control area" "$(sed -n 3p /tmp/stale.out)" "mmap ctl: ENODEV"
dmesg | grep -q 'enclave 0 is destroyed (this file maps nothing any more)' &&
    ok "the module says why" || not_ok "no 'destroyed' line in dmesg: $(dmesg | tail -n 5)"

# The proxy's file after JOB_SEAL: what a thief of it could do.
check "a sealed proxy file" /root/job_file sealed 0
expected='mmap ctl before seal: ok
job start: ok
job start again: EBUSY
seal: ok
mmap ctl after seal: EPERM
mmap job memory after seal: EPERM
job start after seal: EPERM
info after seal: EPERM
version after seal: EPERM
attach: EPERM
attach after seal: refused
job wait after seal: ok'
check_eq "a sealed file takes JOB_WAIT and nothing else" "$out" "$expected"
check "B runs a job after the sealed file went away" cokernel run --enclave 0 /bin/busybox echo fine
check_eq "the job's output" "$out" "fine"
check "destroy B" cokernel destroy 0
check_eq "CPUs are back" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_eq "memory is back" "$(grep MemTotal /proc/meminfo)" "$start_mem"
check_eq "no memory block offline" "$(grep -l offline /sys/devices/system/memory/memory*/state | wc -l)" "0"
check "rmmod cokernel (no reference left)" rmmod cokernel
check_dmesg_clean
finish

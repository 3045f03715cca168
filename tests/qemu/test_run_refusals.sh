# vm: --smp 4 --mem 2G --add @BUILD@/progs/bigbss:/root/bigbss
# What issue 15 saw trying cokernel run as a new user would, each refused clearly and before anything changes:
# a directory or a device as PROG (it died of an uncaught exception, exit 134), --enclave with --ncpus/--mem
# (silently ignored), a job too large for its temporary enclave (refused only after the enclave was made),
# destroy of an enclave whose job runs (a bare EBUSY), and a launcher failure told apart from the job's exit 1.
. /root/lib.sh
plan 18
start_cpus=$(cat /sys/devices/system/cpu/online)
start_mem=$(grep MemTotal /proc/meminfo)
check "modprobe cokernel" modprobe cokernel
check_fails "a directory as PROG" "/root: is a directory, not a program" cokernel run /root
check_fails "a device as PROG" "/dev/null: not a regular file" cokernel run /dev/null
check_fails "--enclave with --ncpus" "give one or the other" cokernel run --enclave 0 --ncpus 2 /bin/busybox true
check_fails "a job too large for its temporary enclave, before the enclave is made" "ask for more --mem" \
    cokernel run --mem 256M /root/bigbss
check "the same job in a 512 MiB enclave" cokernel run --mem 512M /root/bigbss
check_eq "its output" "$out" "bigbss: ok"

check "create an enclave" cokernel create --ncpus 1 --mem 256M
id=$(printf '%s\n' "$out" | tail -n1)
cokernel run --enclave "$id" /bin/busybox sleep 30 &
pid=$!
for i in $(seq 100); do cokernel list | grep -q "cokernel run, pid $pid" && break; sleep 0.2; done
check "list names the job's launcher" sh -c "cokernel list | grep -q 'cokernel run, pid $pid'"
err=$(cokernel destroy "$id" 2>&1)
check_eq "destroy of an enclave whose job runs fails (exit 1)" "$?" "1"
check_eq "... and says who maps it" "$err" \
    "cokernel: enclave $id is running a job: 'cokernel run' (pid $pid) maps its memory; end that job first (kill $pid)"
kill $pid
wait $pid
check_eq "the launcher ends on SIGTERM (143)" "$?" "143"
check "destroy once the job is gone" cokernel destroy "$id"

cokernel run --enclave 9 /bin/busybox true 2>/dev/null
check_eq "a launcher failure is 125" "$?" "125"
cokernel run /bin/busybox false
check_eq "the job's own exit 1 is 1" "$?" "1"
check_eq "CPUs are back" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_eq "memory is back" "$(grep MemTotal /proc/meminfo)" "$start_mem"
check_dmesg_clean
finish

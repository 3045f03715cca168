# vm: --smp 4 --mem 2G
# cokernel run: static busybox in ring 3 on an enclave CPU, syscalls native or delegated to the proxy; output,
# files and exit statuses as on Linux; refused executables leave the enclave usable; --enclave reuse.
. /root/lib.sh
start_cpus=$(cat /sys/devices/system/cpu/online)
start_mem=$(grep MemTotal /proc/meminfo)
check "modprobe cokernel" modprobe cokernel

# A temporary enclave per run.
check "run busybox echo hello" cokernel run --ncpus 1 --mem 256M /bin/busybox echo hello
check_eq "echo prints hello" "$out" "hello"
check_eq "the temporary enclave is gone" "$(grep -c . /proc/cokernel)" "1"
check_eq "CPUs are back" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_eq "memory is back" "$(grep MemTotal /proc/meminfo)" "$start_mem"

# One enclave for the rest.
check "create an enclave" cokernel create --ncpus 1 --mem 256M
id=$(printf '%s\n' "$out" | tail -n1)
printf 'some data 123\nline two\n' > /root/f
dd if=/dev/urandom of=/root/big bs=1k count=300 2>/dev/null
check "run sha256sum" cokernel run --enclave "$id" /bin/busybox sha256sum /root/f /root/big
check_eq "sha256sum as on Linux" "$out" "$(busybox sha256sum /root/f /root/big)"
check "run ls -l /" cokernel run --enclave "$id" /bin/busybox ls -l /
check_eq "ls -l / as on Linux" "$out" "$(busybox ls -l /)"
check "run cat" cokernel run --enclave "$id" /bin/busybox cat /root/f
check_eq "cat prints the file" "$out" "$(cat /root/f)"
printf 'piped\n' | cokernel run --enclave "$id" /bin/busybox cat > /root/piped
check_eq "cat copies stdin to stdout" "$(cat /root/piped)" "piped"
cokernel run --enclave "$id" /bin/busybox sh -c 'echo written > /root/by_job'
check_eq "a job writes a file" "$(cat /root/by_job)" "written"

# Exit statuses.
cokernel run --enclave "$id" /bin/busybox sh -c 'exit 3' >/dev/null 2>&1
check_eq "exit 3 propagates" "$?" "3"
cokernel run --enclave "$id" /bin/busybox false >/dev/null 2>&1
check_eq "false exits 1" "$?" "1"
cokernel run --enclave "$id" /bin/busybox true >/dev/null 2>&1
check_eq "true exits 0" "$?" "0"
cokernel run --enclave "$id" /bin/busybox cat /nonexistent >/dev/null 2>/root/err
check_eq "cat of a missing file exits 1" "$?" "1"
grep -q 'No such file or directory' /root/err && ok "ENOENT reaches the job" || not_ok "error text: $(cat /root/err)"

# Refused executables; the enclave stays usable.
printf 'not an ELF file\n' > /root/notelf
chmod +x /root/notelf
check_fails "a non-ELF file is refused" "not an ELF file" cokernel run --enclave "$id" /root/notelf
check_fails "a non-executable file is refused" "not executable" cokernel run --enclave "$id" /root/f
check_fails "a missing program is refused" "No such file" cokernel run --enclave "$id" /root/missing
check_fails "a dynamic executable is refused" "dynamic" cokernel run --enclave "$id" "$(command -v cokernel)"
check_fails "an unknown enclave is refused" "no enclave 9" cokernel run --enclave 9 /bin/busybox true
check "ping after the refusals" cokernel ping "$id"
check "two jobs in a row (1)" cokernel run --enclave "$id" /bin/busybox echo one
check_eq "first job's output" "$out" "one"
check "two jobs in a row (2)" cokernel run --enclave "$id" /bin/busybox echo two
check_eq "second job's output" "$out" "two"
check "console" cokernel console "$id"
printf '%s\n' "$out" | grep -q 'job: exited with status 3' && ok "console reports the exit status" || not_ok "console: $out"
check "destroy" cokernel destroy "$id"
check_eq "CPUs back at the end" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_eq "memory back at the end" "$(grep MemTotal /proc/meminfo)" "$start_mem"
check_dmesg_clean
finish

# vm: --smp 2 --mem 1G --add @BUILD@/progs/protcheck:/root/protcheck
# Job memory protections (docs/run.md, "Memory protections"): tests/progs/protcheck runs on Linux and under
# `cokernel run`, and each mode must give the same output and exit status on both: mprotect and mmap's prot
# (read-only, PROT_NONE, back to read/write, a guard page, 2 MiB and 4 KiB boundaries), munmap, no-execute
# mappings and stack, and the ELF segments' p_flags (text and rodata not writable, data not executable).
. /root/lib.sh
plan 79
start_cpus=$(cat /sys/devices/system/cpu/online)
check "modprobe cokernel" modprobe cokernel
check "create an enclave" cokernel create --ncpus 1 --mem 256M
id=$(printf '%s\n' "$out" | tail -n1)

# The checks that must not fault.
/root/protcheck ok > /root/linux.txt 2>&1
check_eq "protcheck ok on Linux exits 0" "$?" "0"
cokernel run --enclave "$id" /root/protcheck ok > /root/ck.txt 2>&1
check_eq "protcheck ok on the co-kernel exits 0" "$?" "0"
if cmp -s /root/linux.txt /root/ck.txt; then ok "protcheck ok: same output as on Linux ($(tail -n1 /root/ck.txt))"; else
    not_ok "protcheck ok differs: $(diff /root/linux.txt /root/ck.txt | head -n 20)"; fi

# Each forbidden access: SIGSEGV (139) on both, the same stdout up to the fault (stderr has the shell's
# "Segmentation fault" on Linux), the console's fault line.
faults=0
# The #PF error code says which protection caught it: 0x7 a write to a present read-only page, 0x4 and 0x6 a read
# and a write of a not-present page, 0x15 an instruction fetch from a present no-execute page.
for case in ro-write:0x7 map-ro-write:0x7 none-read:0x4 big-ro-write:0x7 guard:0x6 munmap-read:0x4 \
    exec-nx:0x15 exec-stack:0x15 exec-data:0x15 rodata-write:0x7 text-write:0x7; do
    mode=${case%:*} error=${case#*:}
    /root/protcheck "$mode" > /root/linux.txt 2>/dev/null
    check_eq "$mode on Linux: status 139" "$?" "139"
    cokernel run --enclave "$id" /root/protcheck "$mode" > /root/ck.txt 2>/dev/null
    check_eq "$mode on the co-kernel: status 139" "$?" "139"
    if cmp -s /root/linux.txt /root/ck.txt; then ok "$mode: same output as on Linux ($(cat /root/ck.txt))"; else
        not_ok "$mode differs: $(diff /root/linux.txt /root/ck.txt | head -n 10)"; fi
    faults=$((faults + 1))
    n=$(cokernel console "$id" | grep -c 'job: exception 14 at RIP .*: killed by signal 11')
    check_eq "$mode: the console reports the page fault" "$n" "$faults"
    line=$(cokernel console "$id" | grep 'job: exception 14 at RIP' | tail -n1)
    case "$line" in *"error $error)"*) ok "$mode: page fault error code $error" ;;
    *) not_ok "$mode: expected error $error: $line" ;; esac
    check "ping after $mode" cokernel ping "$id"
done
check_eq "eleven faulting modes ran" "$faults" "11"

# The enclave is still usable: the same checks again, and busybox.
cokernel run --enclave "$id" /root/protcheck ok > /root/ck.txt 2>&1
check_eq "protcheck ok again after the faults" "$?" "0"
check "busybox after the faults" cokernel run --enclave "$id" /bin/busybox echo still here
check_eq "busybox output" "$out" "still here"
# No PANIC line, on a console that has the last job's end (an empty console has no PANIC either).
con=$(cokernel console "$id")
case "$con" in *"job: exited with status 0 ("*)
    printf '%s\n' "$con" | grep -q 'PANIC' && not_ok "the co-kernel panicked: $con" || ok "no panic on the console" ;;
*) not_ok "no panic on the console: the console lacks the last job's end: $(printf '%s\n' "$con" | tail -n3)" ;; esac
check "destroy" cokernel destroy "$id"
check_eq "CPUs back at the end" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_dmesg_clean
finish

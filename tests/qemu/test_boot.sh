# vm: --smp 4 --mem 2G --add @BUILD@/tests/ckctl:/usr/bin/ckctl
# The co-kernel boots on 1 and 2 CPUs, two enclaves run at once, ping round-trips through the notification IRQ,
# every fault kind leaves Linux intact (enclave 'failed', console keeps the text, destroy reclaims), 20
# create/boot/destroy cycles restore CPUs and MemTotal, rmmod is refused while an enclave runs.
. /root/lib.sh
plan 67
image=/usr/lib/cokernel/cokernel.elf
start_cpus=$(cat /sys/devices/system/cpu/online)
start_mem=$(grep MemTotal /proc/meminfo)
check "modprobe cokernel" modprobe cokernel

state_of() { awk -v id="$1" '$1 == id {print $2}' /proc/cokernel; }

# One CPU, through the launcher (create boots by default).
check "create boots a 1-CPU enclave" cokernel create --ncpus 1 --mem 128M --cmdline "test=one"
printf '%s\n' "$out" | grep -q "created and booted (running)" && ok "create says it booted" || not_ok "create: $out"
id=$(printf '%s\n' "$out" | tail -n1)
check "console" cokernel console "$id"
con=$out
printf '%s\n' "$con" | grep -q "^cokernel [0-9.]*: enclave $id, 1 CPU(s), 128 MiB" && ok "banner names enclave, CPUs, memory, version" ||
    not_ok "banner: $con"
printf '%s\n' "$con" | grep -q "cpu 0: Linux CPU [0-9]*, APIC ID [0-9]*" && ok "banner lists APIC IDs" || not_ok "APIC IDs: $con"
printf '%s\n' "$con" | grep -q "command line: 'test=one'" && ok "command line reaches the co-kernel" || not_ok "cmdline: $con"
printf '%s\n' "$con" | grep -q "enclave $id up: 1 CPU(s)" && ok "all CPUs report in" || not_ok "up: $con"
check_eq "state running" "$(state_of "$id")" "running"
follow=$(timeout 2 cokernel console "$id" -f)
rc=$?
[ $rc -ne 0 ] && printf '%s\n' "$follow" | grep -q "enclave $id up" && ok "console -f prints and keeps following (killed: $rc)" ||
    not_ok "console -f: rc $rc: $follow"
check "ping" cokernel ping "$id" -c 3
printf '%s\n' "$out" | grep -q "^ping enclave $id: [0-9.]* us" && ok "ping prints latency: $(printf '%s' "$out" | tail -n1)" ||
    not_ok "ping output: $out"
irqs=$(awk '/cokernel/ {s = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; print s}' /proc/interrupts)
[ "${irqs:-0}" -ge 3 ] && ok "answers arrive through the notification IRQ ($irqs)" || not_ok "notification IRQ count: ${irqs:-none}"
check "destroy" cokernel destroy "$id"
check_eq "CPUs back" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_eq "MemTotal back" "$(grep MemTotal /proc/meminfo)" "$start_mem"

# Two enclaves at once, one with 2 CPUs; the second booted by the raw ioctl (ckctl) after --no-boot.
check "create and boot a 2-CPU enclave" cokernel create --ncpus 2 --mem 256M
a=$(printf '%s\n' "$out" | tail -n1)
b=$(cokernel create --ncpus 1 --mem 128M --no-boot | tail -n1)
check_eq "a --no-boot enclave is partitioned" "$(state_of "$b")" "partitioned"
check "boot a second enclave (ioctl)" ckctl boot "$b" "$image"
ckctl console "$a" | grep -q "enclave $a up: 2 CPU(s)" && ok "both CPUs of enclave $a report in" || not_ok "2 CPUs: $(ckctl console "$a")"
[ "$(ckctl console "$a" | grep -c '^cpu [01] (APIC ID [0-9]*) up')" = 2 ] && ok "each CPU prints its APIC ID" || not_ok "cpu lines"
ckctl console "$b" | grep -q "enclave $b up: 1 CPU(s)" && ok "enclave $b up" || not_ok "enclave $b: $(ckctl console "$b")"
check "ping enclave $a" cokernel ping "$a"
check "ping enclave $b" cokernel ping "$b"
check "destroy both" cokernel destroy --all
check_eq "CPUs back after two enclaves" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"

# Faults: panic, page fault, divide error, hang.
for kind in panic:PANIC page-fault:"vector 14" divide:"vector 0" stack:"vector 8" hang:hang; do
    k=${kind%%:*} text=${kind#*:}
    id=$(cokernel create --ncpus 1 --mem 128M | tail -n1)
    check "fault $k: inject" cokernel fault "$id" "$k"
    if [ "$text" = hang ]; then
        if err=$(cokernel ping "$id" 2>&1); then not_ok "fault $k: a hung co-kernel answered a ping"; else
            case "$err" in *"enclave $id "*) ok "fault $k: no answer to a ping: $err" ;;
            *) not_ok "fault $k: ping failed without naming enclave $id: $err" ;; esac
        fi
        text="fault requested by Linux: kind 4"
    fi
    check_eq "fault $k: enclave failed" "$(state_of "$id")" "failed"
    cokernel console "$id" | grep -q "$text" && ok "fault $k: console keeps '$text'" || not_ok "fault $k console: $(cokernel console "$id")"
    check "fault $k: destroy reclaims" cokernel destroy "$id"
    check_eq "fault $k: CPUs back" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
done
head -c 4200 "$image" >/tmp/truncated.elf
check_fails "a truncated image is refused and rolled back" "rejected the co-kernel image" \
    cokernel create --ncpus 1 --mem 128M --image /tmp/truncated.elf
check_fails "a co-kernel that never comes up is rolled back" "did not come up in time" \
    cokernel create --ncpus 1 --mem 128M --cmdline ck.boot_hang
check_fails "console of a missing enclave fails" "no enclave 9" cokernel console 9
check_fails "a bad image is refused and rolled back" "rejected the co-kernel image" cokernel create --ncpus 1 --mem 128M --image /bin/busybox

# 20 cycles.
i=1
fails=0
while [ $i -le 20 ]; do
    if id=$(cokernel create --ncpus 2 --mem 128M | tail -n1) && cokernel console "$id" | grep -q "up: 2 CPU(s)" &&
        cokernel destroy "$id" >/dev/null; then
        :
    else
        fails=$((fails + 1))
    fi
    i=$((i + 1))
done
check_eq "20 create/boot/destroy cycles" "$fails" "0"
check_eq "CPUs online after the cycles" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_eq "MemTotal after the cycles" "$(grep MemTotal /proc/meminfo)" "$start_mem"

# rmmod with a running enclave.
check "create for rmmod" cokernel create --ncpus 1 --mem 128M
id=$(printf '%s\n' "$out" | tail -n1)
if rmmod cokernel 2>/dev/null; then not_ok "rmmod refused with a running enclave"; else ok "rmmod refused with a running enclave"; fi
check "ping after the refused rmmod" cokernel ping "$id"
check "destroy --all" cokernel destroy --all
check "rmmod" rmmod cokernel
check_eq "CPUs online at the end" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_eq "MemTotal at the end" "$(grep MemTotal /proc/meminfo)" "$start_mem"
check_dmesg_clean
finish

# vm: --numa 2 --smp 4 --mem 2G
# 10 create/destroy cycles leave Linux as it was; rmmod is refused while an enclave exists.
. /root/lib.sh
plan 21
start_cpus=$(cat /sys/devices/system/cpu/online)
start_mem=$(grep MemTotal /proc/meminfo)
check "modprobe cokernel" modprobe cokernel
i=1
while [ $i -le 10 ]; do
    if id=$(cokernel create --ncpus 2 --mem 256M --no-boot | tail -n1) && [ "$(cat /sys/devices/system/cpu/online)" = 0-1 ] &&
        cokernel destroy "$id" >/dev/null; then
        ok "cycle $i (enclave $id)"
    else
        not_ok "cycle $i"
        dmesg | grep -iE 'offlin|isolat|unmovable' | tail -n 8
    fi
    i=$((i + 1))
done
check_eq "CPUs online after 10 cycles" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_eq "MemTotal after 10 cycles" "$(grep MemTotal /proc/meminfo)" "$start_mem"

check "create one more" cokernel create --ncpus 1 --mem 128M --no-boot
if rmmod cokernel 2>/dev/null; then not_ok "rmmod refused with a live enclave"; else ok "rmmod refused with a live enclave"; fi
check "module still loaded" test -c /dev/cokernel
check "destroy --all" cokernel destroy --all
check "rmmod after destroy" rmmod cokernel
check_eq "CPUs online at the end" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_eq "MemTotal at the end" "$(grep MemTotal /proc/meminfo)" "$start_mem"
check_dmesg_clean
finish

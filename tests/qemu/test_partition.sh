# vm: --numa 2 --smp 4 --mem 2G
# create / list / destroy on a 2-node machine: CPUs and memory leave Linux and come back.
. /root/lib.sh
plan 35
start_cpus=$(cat /sys/devices/system/cpu/online)
start_mem=$(grep MemTotal /proc/meminfo)
check "modprobe cokernel" modprobe cokernel
check "/dev/cokernel exists" test -c /dev/cokernel
check "cokernel topo" cokernel topo
printf '%s\n' "$out" | grep -q 'memory' && ok "topo lists memory blocks" || not_ok "topo lists memory blocks: $out"
check "cokernel topo --json" cokernel topo --json
printf '%s' "$out" | grep -q '"nodes"' && ok "topo --json has nodes" || not_ok "topo --json: $out"

# The acceptance sequence.
check "create --ncpus 2 --mem 256M --no-boot" cokernel create --ncpus 2 --mem 256M --no-boot
id=$(printf '%s\n' "$out" | tail -n1)
check_eq "create prints the enclave id last" "$id" "0"
check "list" cokernel list
printf '%s\n' "$out" | grep -q '^ *0 ' && ok "list shows enclave 0" || not_ok "list shows enclave 0: $out"
check_eq "CPUs 2-3 left Linux" "$(cat /sys/devices/system/cpu/online)" "0-1"
check_eq "enclave CPUs are on node 1" "$(cat /sys/devices/system/cpu/cpu2/online /sys/devices/system/cpu/cpu3/online | tr -d '\n')" "00"
mem_now=$(grep MemTotal /proc/meminfo | awk '{print $2}')
mem_start=$(echo "$start_mem" | awk '{print $2}')
check_eq "MemTotal dropped by 256 MiB" "$((mem_start - mem_now))" "262144"
offline=$(grep -l offline /sys/devices/system/memory/memory*/state | wc -l)
check_eq "two memory blocks offline" "$offline" "2"
on_node1=0
for b in $(grep -l offline /sys/devices/system/memory/memory*/state); do
    [ -e "$(dirname "$b")/node1" ] && on_node1=$((on_node1 + 1))
done
check_eq "both offline blocks are on node 1" "$on_node1" "2"
grep -q '^0 ' /proc/cokernel && ok "/proc/cokernel lists enclave 0" || not_ok "/proc/cokernel: $(cat /proc/cokernel)"
grep -Eq '^0 partitioned 2-3 256 0x[0-9a-f]+-0x[0-9a-f]+' /proc/cokernel && ok "root sees the physical ranges" ||
    not_ok "root's /proc/cokernel: $(cat /proc/cokernel)"
as_nobody=$(su -s /bin/sh nobody -c 'cat /proc/cokernel')
check_eq "other users see no physical address (as kptr_restrict hides kernel pointers)" \
    "$(printf '%s\n' "$as_nobody" | sed -n 2p)" "0 partitioned 2-3 256 hidden"
check "list --json" cokernel list --json
printf '%s' "$out" | grep -q '"id": *0' && ok "list --json has id 0" || not_ok "list --json: $out"

# Linux cannot take back what the enclave holds.
# (A write to a file that is not there fails too: each first proves that its file exists.)
if [ ! -w /sys/devices/system/cpu/cpu2/online ]; then not_ok "onlining enclave CPU 2 refused: no cpu2/online"
elif echo 1 2>/dev/null >/sys/devices/system/cpu/cpu2/online; then not_ok "onlining enclave CPU 2 refused"
else ok "onlining enclave CPU 2 refused"; fi
blk=$(dirname "$(grep -l offline /sys/devices/system/memory/memory*/state | head -n1)")
if [ ! -w "$blk/state" ]; then not_ok "onlining enclave memory refused: no offline block ($blk)"
elif echo online_movable 2>/dev/null >"$blk/state"; then not_ok "onlining enclave memory refused"
else ok "onlining enclave memory refused ($(basename "$blk"))"; fi

# A second enclave with explicit CPUs and memory from another node.
check "create --cpus 1 --mem 128M --numa 0" cokernel create --cpus 1 --mem 128M --numa 0 --no-boot
id2=$(printf '%s\n' "$out" | tail -n1)
check_eq "second enclave id" "$id2" "1"
check_eq "only CPU 0 online" "$(cat /sys/devices/system/cpu/online)" "0"
check "destroy $id2" cokernel destroy "$id2"
check_eq "CPU 1 back" "$(cat /sys/devices/system/cpu/online)" "0-1"

check "destroy --all" cokernel destroy --all
check_eq "all CPUs back online" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_eq "MemTotal restored" "$(grep MemTotal /proc/meminfo)" "$start_mem"
check_eq "no memory block offline" "$(grep -l offline /sys/devices/system/memory/memory*/state | wc -l)" "0"
check_eq "list is empty" "$(cokernel list --json | tr -d ' \n')" "[]"

# Linux uses the CPUs again: run work pinned on CPU 3 (busybox taskset).
check "work runs on CPU 3 again" taskset -c 3 sh -c 'i=0; while [ $i -lt 1000 ]; do i=$((i+1)); done'
check "rmmod cokernel" rmmod cokernel
check_dmesg_clean
finish

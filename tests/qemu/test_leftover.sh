# vm: --smp 4 --mem 2G --add @BUILD@/tests/ckctl:/root/ckctl
# Issue 15, item 8: nothing the module took is ever lost or hidden. When Linux does not take a CPU or a memory
# block back (injected here: module parameter inject_give_failures), the enclave stays listed as 'leftover'
# holding exactly what did not go back, Linux cannot online it behind the module's back, and destroy (also
# --all) retries until everything is back. A failed create whose rollback fails is kept the same way.
. /root/lib.sh
plan 30
start_cpus=$(cat /sys/devices/system/cpu/online)
start_mem=$(grep MemTotal /proc/meminfo)
knob=/sys/module/cokernel/parameters/inject_give_failures
check "modprobe cokernel" modprobe cokernel
check "create" cokernel create --ncpus 1 --mem 256M
id=$(printf '%s\n' "$out" | tail -n1)
cpu=$(cokernel list --json | sed -n 's/.*"cpus":\[\([0-9]*\)\].*/\1/p')
[ -n "$cpu" ] && ok "the enclave holds CPU $cpu" || not_ok "no CPU in: $(cokernel list --json)"
echo 2 >"$knob"
err=$(cokernel destroy "$id" 2>&1)
check_eq "destroy fails when Linux does not take the CPU and a block back (exit 1)" "$?" "1"
printf '%s' "$err" | grep -q "leftover" && ok "destroy says: $err" || not_ok "destroy's message: $err"
check_eq "the injections were used" "$(cat "$knob")" "0"
check "list" cokernel list
printf '%s\n' "$out" | grep -Eq "^$id +leftover +$cpu +128 MiB" && ok "list shows the leftover: CPU $cpu, 128 MiB" ||
    not_ok "list: $out"
grep -Eq "^$id leftover $cpu 128 " /proc/cokernel && ok "/proc/cokernel shows it" || not_ok "/proc/cokernel: $(cat /proc/cokernel)"
check "topo" cokernel topo
printf '%s\n' "$out" | grep -q "enclave $id" && ok "topo shows what the module still holds" || not_ok "topo: $out"
block=$(grep -l offline /sys/devices/system/memory/memory*/state | head -n1)
check_eq "one memory block is still offline" "$(grep -l offline /sys/devices/system/memory/memory*/state | wc -l)" "1"
echo online >"$block" 2>/dev/null && not_ok "Linux onlined a block the module holds" ||
    ok "Linux cannot online the held block behind the module's back"
echo 1 >"/sys/devices/system/cpu/cpu$cpu/online" 2>/dev/null && not_ok "Linux onlined CPU $cpu the module holds" ||
    ok "Linux cannot online the held CPU"
check "destroy --all retries and reclaims it" cokernel destroy --all
check "list after the retry" cokernel list
check_eq "no enclave is left" "$out" "no enclaves"
check_eq "CPUs are back" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_eq "memory is back" "$(grep MemTotal /proc/meminfo)" "$start_mem"

# A create that fails after taking a CPU (the memory is another enclave's), whose rollback fails too.
check "create a second enclave" cokernel create --ncpus 1 --mem 128M
other=$(printf '%s\n' "$out" | tail -n1)
range=$(cokernel list --json | sed -n 's/.*"start":\([0-9]*\),"size":\([0-9]*\).*/\1 \2/p')
echo 1 >"$knob"
/root/ckctl create 3 $range >/root/create.out 2>&1 && not_ok "a create of held memory succeeded" ||
    ok "a create of memory another enclave holds fails: $(cat /root/create.out)"
check "list" cokernel list
printf '%s\n' "$out" | grep -Eq '^[0-9]+ +leftover +3 ' && ok "the failed create's CPU is listed as leftover" ||
    not_ok "list: $out"
check_eq "CPU 3 is still offline" "$(cat /sys/devices/system/cpu/cpu3/online)" "0"
check "destroy --all" cokernel destroy --all
check_eq "CPUs are back at the end" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_eq "memory is back at the end" "$(grep MemTotal /proc/meminfo)" "$start_mem"
check_eq "no memory block offline" "$(grep -l offline /sys/devices/system/memory/memory*/state | wc -l)" "0"
check "rmmod cokernel" rmmod cokernel
check_dmesg_clean
finish

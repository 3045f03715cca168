# vm: --smp 3 --mem 6G --add @BUILD@/progs/bigalloc:/root/bigalloc
# A job's memory is the enclave's (issue 9, item 1; docs/run.md, "The job space"): tests/progs/bigalloc runs on
# Linux and under `cokernel run` with the same output. In the default 256 MiB enclave: a 64 MiB mmap, sbrk after
# a large malloc, MAP_FIXED(_NOREPLACE), MADV_DONTNEED, mremap grow/shrink/move, MAP_NORESERVE/STACK/GROWSDOWN,
# ENOMEM with the job alive. In a 2 GiB enclave: 1840 MiB malloc'ed, touched and verified, freed, half of it
# again, brk grown; the largest single mmap is --mem less the reserve, the control area, the stack and its gap,
# and the executable. An enclave of two memory ranges (a hole left by a destroyed enclave) works the same.
# The VM offlines only memory above 4 GiB (DESIGN.md 8): 6G leaves room for 2 GiB enclaves.
. /root/lib.sh
plan 24
start_cpus=$(cat /sys/devices/system/cpu/online)
start_mem=$(grep MemTotal /proc/meminfo)
check "modprobe cokernel" modprobe cokernel

# same NAME ARGS...: bigalloc ARGS on Linux, then in enclave $id: both exit 0 with the same output.
same() {
    name=$1
    shift
    /root/bigalloc "$@" > /root/linux.txt 2>&1
    lrc=$?
    cokernel run --enclave "$id" /root/bigalloc "$@" > /root/ck.txt 2>&1
    crc=$?
    if [ $lrc -eq 0 ] && [ $crc -eq 0 ] && cmp -s /root/linux.txt /root/ck.txt; then
        ok "$name: exit 0 and the same output on both ($(grep -c '^ok' /root/ck.txt) ok lines)"
    else
        not_ok "$name: Linux exit $lrc, co-kernel exit $crc: $(diff /root/linux.txt /root/ck.txt | head -n 20)"
    fi
}

# most MIN MAX: bigalloc's largest mmap in enclave $id, in MiB, within [MIN, MAX].
most() {
    n=$(cokernel run --enclave "$id" /root/bigalloc most | sed -n 's/^largest mmap: \([0-9]*\) MiB$/\1/p')
    if [ -n "$n" ] && [ "$n" -ge "$1" ] && [ "$n" -le "$2" ]; then ok "largest mmap: $n MiB (in $1..$2)"; else
        not_ok "largest mmap: '$n' MiB, expected $1..$2"; fi
}

check "create a 256 MiB enclave (the default size of cokernel run)" cokernel create --ncpus 1 --mem 256M
id=$(printf '%s\n' "$out" | tail -n1)
same "bigalloc calls in 256 MiB"  calls
line=$(cokernel console "$id" | grep -o 'memory: job space.*')
check_eq "the console gives the job space" "$line" "memory: job space 224 MiB in 1 range(s), 208 MiB of it the job's"
# 208 MiB less the stack and its gap (10 MiB) and the executable and its page (at most 2 MiB).
most 196 198
check "destroy it" cokernel destroy "$id"

check "create a 2 GiB enclave" cokernel create --ncpus 1 --mem 2G
id=$(printf '%s\n' "$out" | tail -n1)
line=$(cokernel console "$id" | grep -o 'memory: job space.*')
check_eq "its job space" "$line" "memory: job space 2016 MiB in 1 range(s), 2000 MiB of it the job's"
same "bigalloc huge 1840 in 2 GiB" huge 1840
# At least 90% of --mem (1844 MiB) in one mmap: 2000 MiB less 10 and the executable.
most 1988 1990
same "bigalloc calls in 2 GiB, after the big job" calls
check "destroy it" cokernel destroy "$id"

# Two ranges: A (256 MiB) and B (128 MiB) next to each other, A destroyed, C (512 MiB) takes A's blocks and more
# after B.
check "create A" cokernel create --ncpus 1 --mem 256M
a=$(printf '%s\n' "$out" | tail -n1)
check "create B" cokernel create --ncpus 1 --mem 128M
b=$(printf '%s\n' "$out" | tail -n1)
check "destroy A" cokernel destroy "$a"
check "create C" cokernel create --ncpus 1 --mem 512M
id=$(printf '%s\n' "$out" | tail -n1)
n=$(cokernel console "$id" | grep -c ' memory: 0x')
if [ "$n" -ge 2 ]; then ok "C has $n memory ranges"; else not_ok "C has $n memory range(s), expected 2 or more"; fi
line=$(cokernel console "$id" | grep -o 'memory: job space.*')
check_eq "its job space" "$line" "memory: job space 480 MiB in $n range(s), 464 MiB of it the job's"
same "bigalloc huge 440 across the ranges" huge 440
most 452 454
check "destroy B and C" sh -c "cokernel destroy $b && cokernel destroy $id"

check_eq "CPUs are back" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_eq "memory is back" "$(grep MemTotal /proc/meminfo)" "$start_mem"
check_dmesg_clean
finish

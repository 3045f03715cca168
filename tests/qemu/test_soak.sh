# vm: --smp 4 --mem 2G --timeout 1500
# Issue 15, item 9: in one boot, 100 create/run/destroy cycles with random CPU counts and sizes, and kill -9
# (also of a whole process group, as systemd and Slurm do) and Ctrl-C of `cokernel run` and `cokernel create`
# at random points. Afterwards CPUs, memory blocks, XEMEM pins and the module's reference count are exactly as
# before, and the kernel log has no Oops, BUG or WARNING. SOAK_SEED picks the random sequence (printed). Each
# loop counts what went wrong and prints it; the check is that nothing did.
. /root/lib.sh
plan 14
seed=${SOAK_SEED:-$(date +%s)}
echo "# seed $seed"
RANDOM=$seed
check "modprobe cokernel" modprobe cokernel

snapshot() {
    echo "cpus=$(cat /sys/devices/system/cpu/online)"
    grep MemTotal /proc/meminfo
    cat /sys/devices/system/memory/memory*/state | sort | uniq -c
    echo "refcnt=$(cat /sys/module/cokernel/refcnt)"
    cokernel xemem stats --json | tr ',' '\n' | grep pinned_pages
    grep -c . /proc/cokernel
}
before=$(snapshot)
printf '%s\n' "$before" | grep -q 'refcnt=0' && ok "the module starts with no reference" || not_ok "start: $before"

size() { echo "$(((RANDOM % 4 + 1) * 128))M"; }
ncpus() { echo $((RANDOM % 3 + 1)); }
# Nothing may be left once a command is gone: the module destroys what it created for it.
left() { [ "$(grep -c . /proc/cokernel)" = 1 ] && [ "$(snapshot)" = "$before" ]; }

# 1. 100 create/run/destroy cycles: 60 with cokernel create/run/destroy, 40 on temporary enclaves.
bad=0
for i in $(seq 60); do
    n=$(ncpus) m=$(size)
    id=$(cokernel create --ncpus "$n" --mem "$m" 2>/root/err | tail -n1)
    out=$(cokernel run --enclave "$id" /bin/busybox echo "cycle $i" 2>&1)
    [ "$out" = "cycle $i" ] || { bad=$((bad + 1)); echo "# cycle $i ($n CPUs, $m): run: $out $(cat /root/err)"; }
    cokernel destroy "$id" >/dev/null 2>&1 || { bad=$((bad + 1)); echo "# cycle $i: destroy $id failed"; }
    left || { bad=$((bad + 1)); echo "# cycle $i: left behind: $(snapshot)"; }
done
check_eq "60 create/run/destroy cycles with random CPU counts and sizes" "$bad" "0"
bad=0
for i in $(seq 40); do
    out=$(cokernel run --ncpus "$(ncpus)" --mem "$(size)" /bin/busybox echo "temp $i" 2>&1)
    [ "$out" = "temp $i" ] || { bad=$((bad + 1)); echo "# temp $i: $out"; }
    left || { bad=$((bad + 1)); echo "# temp $i: left behind: $(snapshot)"; }
done
check_eq "40 runs on temporary enclaves of random CPU counts and sizes" "$bad" "0"

# 2. kill -9 of cokernel run at a random point of create, boot, start or run.
bad=0
for i in $(seq 15); do
    cokernel run --ncpus "$(ncpus)" --mem "$(size)" /bin/busybox sleep 5 >/dev/null 2>&1 &
    pid=$!
    usleep $((RANDOM % 1500000))
    kill -9 $pid
    wait $pid
    left || { bad=$((bad + 1)); echo "# kill $i: left behind: $(snapshot)"; }
done
check_eq "15 x kill -9 of cokernel run at random points" "$bad" "0"

# 3. kill -9 of a whole process group (what systemd and Slurm do): the job's launcher in its own session.
bad=0
for i in $(seq 10); do
    setsid cokernel run --ncpus "$(ncpus)" --mem "$(size)" /bin/busybox sleep 5 >/dev/null 2>&1 &
    pid=$!
    usleep $((RANDOM % 1500000))
    kill -9 -- -$pid 2>/dev/null || kill -9 $pid
    wait $pid
    left || { bad=$((bad + 1)); echo "# group kill $i: left behind: $(snapshot)"; }
done
check_eq "10 x kill -9 of the launcher's whole process group" "$bad" "0"

# 4. A signal with its default action (Ctrl-C's SIGINT is what a terminal sends; a non-interactive shell
#    starts background commands with SIGINT ignored, so SIGTERM, whose default action is the same, stands in)
#    to cokernel create at a random point: either it printed an id (the enclave is permanent) or nothing is
#    left.
bad=0 kept=0
for i in $(seq 15); do
    cokernel create --ncpus "$(ncpus)" --mem "$(size)" >/root/create.out 2>&1 &
    pid=$!
    usleep $((RANDOM % 1500000))
    kill -TERM $pid
    wait $pid
    rc=$?
    id=$(tail -n1 /root/create.out)
    if [ $rc -eq 0 ]; then
        kept=$((kept + 1))
        cokernel destroy "$id" >/dev/null 2>&1 || { bad=$((bad + 1)); echo "# signal $i: destroy $id"; }
    elif [ $rc -ne 143 ]; then
        bad=$((bad + 1))
        echo "# signal $i: exit $rc: $(cat /root/create.out)"
    fi
    left || { bad=$((bad + 1)); echo "# signal $i (exit $rc): left behind: $(snapshot)"; }
done
echo "# $kept of 15 creates finished before the signal"
check_eq "15 x SIGTERM of cokernel create at random points" "$bad" "0"

# 5. kill -9 of cokernel create at a random point.
bad=0
for i in $(seq 10); do
    cokernel create --ncpus "$(ncpus)" --mem "$(size)" >/root/create.out 2>&1 &
    pid=$!
    usleep $((RANDOM % 1500000))
    kill -9 $pid
    wait $pid
    rc=$?
    [ $rc -eq 0 ] && cokernel destroy "$(tail -n1 /root/create.out)" >/dev/null 2>&1
    left || { bad=$((bad + 1)); echo "# kill create $i (exit $rc): left behind: $(snapshot)"; }
done
check_eq "10 x kill -9 of cokernel create" "$bad" "0"

after=$(snapshot)
check_eq "CPUs, memory blocks, pins and module references as before" "$after" "$before"
check_eq "no enclave is left" "$(cokernel list)" "no enclaves"
check "the enclave machinery still works" cokernel run --ncpus 1 --mem 256M /bin/busybox echo fine
check_eq "its output" "$out" "fine"
check "rmmod cokernel" rmmod cokernel
check_dmesg_clean
finish

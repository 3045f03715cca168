# vm: --smp 4 --mem 2G --add @BUILD@/progs/thread_io:/root/thread_io
# Threads in delegated calls (tests/progs/thread_io), in a 3-CPU enclave, each as on Linux: one thread blocked
# in a delegated read() of an idle pipe does not hold up another thread's 200 write()s, and the writer's
# exit(4) ends the process (one delegation channel per thread, served concurrently by the proxy); exit(3)
# from main while 2, then 6 threads (more than the CPUs) are blocked in delegated reads ends the job with
# status 3 within 10 s (exit_group ends threads blocked in the proxy); kill -9 of `cokernel run` while 8
# threads are blocked in delegated reads ends the job, and the enclave runs the next jobs, threaded too, and
# is destroyed.
. /root/lib.sh
plan 29
start_cpus=$(cat /sys/devices/system/cpu/online)
start_mem=$(grep MemTotal /proc/meminfo)
check "modprobe cokernel" modprobe cokernel

count() { cokernel console "$1" 2>/dev/null | grep -c "$2"; }
# wait_file FILE TEXT PID: until FILE has a line TEXT (60 s at most, and no longer than PID lives).
wait_file() {
    for i in $(seq 240); do
        grep -qx "$2" "$1" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.25
    done
    return 1
}

# On Linux: the references, and proof that the program does what the test expects of it.
timeout 60 /root/thread_io writes 200 4 > /root/linux-writes.txt 2>&1
check_eq "writes 200 4 on Linux: exit 4" "$?" "4"
{ echo "reader blocked"; for i in $(seq 200); do echo "write $i of 200"; done; } > /root/want-writes.txt
cmp -s /root/want-writes.txt /root/linux-writes.txt && ok "writes on Linux: the 201 expected lines" ||
    not_ok "writes on Linux: $(diff /root/want-writes.txt /root/linux-writes.txt | head -n 5)"
timeout 60 /root/thread_io writes 5 0 > /root/linux-writes5.txt 2>&1
check_eq "writes 5 0 on Linux: exit 0" "$?" "0"
timeout 60 /root/thread_io exit 6 3 > /root/linux-exit6.txt 2>&1
check_eq "exit 6 3 on Linux: exit 3" "$?" "3"
check_eq "exit 6 3 on Linux: its line" "$(cat /root/linux-exit6.txt)" "6 readers blocked, exit 3"
/root/thread_io hang 8 > /root/linux-hang.txt 2>&1 &
pid=$!
wait_file /root/linux-hang.txt ready $pid && ok "hang 8 on Linux: ready" || not_ok "hang 8 on Linux: $(cat /root/linux-hang.txt)"
kill -9 $pid
wait $pid
check_eq "hang 8 on Linux: killed, 137" "$?" "137"

check "create a 3-CPU enclave" cokernel create --ncpus 3 --mem 256M
id=$(printf '%s\n' "$out" | tail -n1)

# (a) The writer's writes while the reader waits in the proxy. A proxy that serves one call at a time never
# answers them: the timeout ends the run (143).
timeout 60 cokernel run --enclave "$id" /root/thread_io writes 200 4 > /root/ck.txt 2>/root/ck-err.txt
rc=$?
check_eq "writes 200 4: exit 4 as on Linux ($(head -c 300 /root/ck-err.txt | tr '\n' ' '))" "$rc" "4"
cmp -s /root/linux-writes.txt /root/ck.txt && ok "writes 200 4: same output as on Linux" ||
    not_ok "writes 200 4: $(wc -l < /root/ck.txt) lines, differs from Linux: $(diff /root/linux-writes.txt /root/ck.txt | head -n 5)"

# (b) exit(3) from main with the other threads in delegated reads, 2 of them, then 6 (more than the CPUs).
for n in 2 6; do
    t0=$(date +%s)
    timeout 60 cokernel run --enclave "$id" /root/thread_io exit $n 3 > /root/ck.txt 2>/root/ck-err.txt
    rc=$?
    t1=$(date +%s)
    check_eq "exit $n 3: exit 3 as on Linux ($(head -c 300 /root/ck-err.txt | tr '\n' ' '))" "$rc" "3"
    check_eq "exit $n 3: its line" "$(cat /root/ck.txt)" "$n readers blocked, exit 3"
    # Timed only when the readers were blocked (a job that failed at once is quick too).
    if [ "$(cat /root/ck.txt)" != "$n readers blocked, exit 3" ]; then not_ok "exit $n 3: the readers never blocked: nothing to time"
    elif [ $((t1 - t0)) -le 10 ]; then ok "exit $n 3: the job ended within 10 s ($((t1 - t0)) s)"
    else not_ok "exit $n 3: the job took $((t1 - t0)) s (blocked threads not ended by exit_group?)"; fi
done

# (c) kill -9 of the proxy while 8 threads wait in it.
ended=$(count "$id" 'job: killed by signal 9')
cokernel run --enclave "$id" /root/thread_io hang 8 > /root/ck-hang.txt 2>&1 &
pid=$!
wait_file /root/ck-hang.txt ready $pid && ok "hang 8: ready (8 threads in delegated reads)" ||
    not_ok "hang 8: not ready within 60 s, or the job ended: $(head -c 300 /root/ck-hang.txt | tr '\n' ' ')"
kill -9 $pid
wait $pid
check_eq "hang 8: kill -9 of cokernel run: exit 137" "$?" "137"
killed=no
for i in $(seq 120); do
    [ "$(count "$id" 'job: killed by signal 9')" -gt "$ended" ] && killed=yes && break
    sleep 0.25
done
check_eq "hang 8: the co-kernel ended the job (console: 'job: killed by signal 9')" "$killed" "yes"
# No 'cokernel run' left in a process list that does list this script (an empty list shows nothing either).
procs=$(ps -o pid,args)
case "$procs" in *"/root/test.sh"*) check_eq "no cokernel run process is left" "$(printf '%s\n' "$procs" | grep -c '[c]okernel run')" "0" ;;
*) not_ok "no cokernel run process is left: ps does not list this script: $procs" ;; esac
check "the enclave takes the next job" timeout 60 cokernel run --enclave "$id" /bin/busybox echo next
check_eq "the next job's output" "$out" "next"
timeout 60 cokernel run --enclave "$id" /root/thread_io writes 5 0 > /root/ck.txt 2>/root/ck-err.txt
rc=$?
check_eq "a threaded job after the kill: exit 0 ($(head -c 300 /root/ck-err.txt | tr '\n' ' '))" "$rc" "0"
cmp -s /root/linux-writes5.txt /root/ck.txt && ok "a threaded job after the kill: same output as on Linux" ||
    not_ok "a threaded job after the kill: $(diff /root/linux-writes5.txt /root/ck.txt | head -n 5)"

check "destroy" cokernel destroy "$id"
check_eq "CPUs are back" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_eq "memory is back" "$(grep MemTotal /proc/meminfo)" "$start_mem"
check_dmesg_clean
finish

# vm: --smp 4 --mem 2G --add @BUILD@/progs/threads:/root/threads --add @BUILD@/progs/omp:/root/omp
# Threads on every enclave CPU: tests/progs/threads (pthreads: mutex, condvar, barrier, TLS, join, detach,
# pthread_exit, errno) and tests/progs/omp (libgomp: parallel for, reduction, critical, atomic, tasks,
# single/master) give byte for byte the stdout and the exit status they give on Linux, in a 3-CPU enclave;
# there, without OMP_NUM_THREADS, libgomp and glibc see 3 CPUs (omp_get_num_procs, omp_get_max_threads,
# sysconf(_SC_NPROCESSORS_ONLN), get_nprocs) and the threads of one job run on the 3 enclave CPUs 0, 1 and 2
# at once (sched_getcpu). The Linux runs come first, on 3 of the VM's 4 CPUs (taskset), while Linux has them.
. /root/lib.sh
plan 31
start_cpus=$(cat /sys/devices/system/cpu/online)
start_mem=$(grep MemTotal /proc/meminfo)
check "modprobe cokernel" modprobe cokernel

# linux NAME PROG ARGS...: PROG on Linux CPUs 0-2, stdout to /root/linux-NAME.txt; it must exit 0 and end with
# its summary line. 1 check.
linux() {
    name=$1
    shift
    timeout 120 taskset -c 0-2 "$@" > "/root/linux-$name.txt" 2>/root/linux-err.txt
    rc=$?
    last=$(tail -n1 "/root/linux-$name.txt")
    case "$rc:$last" in
    "0:threads: all checks passed" | "0:omp: all checks passed") ok "$name on Linux: exit 0, $(wc -l < "/root/linux-$name.txt") lines" ;;
    *) not_ok "$name on Linux: exit $rc, last line '$last': $(head -c 600 /root/linux-err.txt | tr '\n' ' ')" ;;
    esac
}
linux threads /root/threads
linux omp /root/omp
/root/threads > /root/linux-threads-2.txt 2>&1
cmp -s /root/linux-threads.txt /root/linux-threads-2.txt && ok "threads prints the same on all 4 CPUs (deterministic)" ||
    not_ok "threads on 4 CPUs differs: $(diff /root/linux-threads.txt /root/linux-threads-2.txt | head -n 10)"
OMP_NUM_THREADS=5 /root/omp > /root/linux-omp-2.txt 2>&1
cmp -s /root/linux-omp.txt /root/linux-omp-2.txt && ok "omp prints the same with 5 threads (deterministic)" ||
    not_ok "omp with 5 threads differs: $(diff /root/linux-omp.txt /root/linux-omp-2.txt | head -n 10)"
# libgomp sizes its team from the affinity mask: on Linux CPUs 0-2 it is 3 (the reference for the enclave).
procs=$(taskset -c 0-2 /root/omp procs 2>&1)
echo "# Linux, taskset -c 0-2: $(printf '%s' "$procs" | tr '\n' ';')"
check_eq "omp procs on Linux CPUs 0-2: omp_get_num_procs" "$(printf '%s\n' "$procs" | sed -n 's/^procs: omp_get_num_procs //p')" "3"
echo "# Linux, taskset -c 0-2: $(taskset -c 0-2 /root/threads cpus 3 2>&1)"

check "create a 3-CPU enclave" cokernel create --ncpus 3 --mem 256M
id=$(printf '%s\n' "$out" | tail -n1)

# same NAME ENV PROG ARGS...: PROG in the enclave (ENV: VAR=VALUE or -), against /root/linux-NAME.txt: the same
# exit status (0) and the same stdout. 2 checks.
same() {
    name=$1 env=$2
    shift 2
    [ "$env" = - ] && env=COKERNEL_TEST_UNUSED=1
    env "$env" timeout 120 cokernel run --enclave "$id" "$@" > /root/ck.txt 2>/root/ck-err.txt
    rc=$?
    check_eq "$name on the co-kernel: exit status as on Linux ($(head -c 300 /root/ck-err.txt | tr '\n' ' '))" "$rc" "0"
    if cmp -s "/root/linux-${name%% *}.txt" /root/ck.txt; then ok "$name: same output as on Linux ($(tail -n1 /root/ck.txt))"; else
        not_ok "$name: output differs from Linux: $(diff "/root/linux-${name%% *}.txt" /root/ck.txt | head -n 20)"; fi
}
same threads - /root/threads
# Without OMP_NUM_THREADS the team has one thread per CPU libgomp sees (a kernel that shows one CPU passes
# this with no thread at all: the procs checks below catch that); with it, a team of 3 or 5 whatever it sees.
same omp - /root/omp
same "omp with OMP_NUM_THREADS=3" OMP_NUM_THREADS=3 /root/omp
same "omp with OMP_NUM_THREADS=5 (more threads than CPUs)" OMP_NUM_THREADS=5 /root/omp
same "threads again (a second threaded job in the same enclave)" - /root/threads

# What the job sees of its CPUs: the enclave's 3, numbered 0..2, all in use at once.
timeout 120 cokernel run --enclave "$id" /root/threads cpus 3 > /root/ck.txt 2>&1
check_eq "threads cpus 3: three threads on three CPUs" "$(cat /root/ck.txt)" "cpus: 3 distinct (0 1 2) for 3 threads running at once"
timeout 120 cokernel run --enclave "$id" /root/omp procs > /root/ck.txt 2>&1
rc=$?
check_eq "omp procs: exit 0 ($(tr '\n' ';' < /root/ck.txt | head -c 400))" "$rc" "0"
for pair in "omp_get_num_procs|3" "omp_get_max_threads|3" "sysconf(_SC_NPROCESSORS_ONLN)|3" "get_nprocs|3" \
    "distinct CPUs|3 (0 1 2) in a team of 3"; do
    what=${pair%|*}
    got=$(grep -F "procs: $what " /root/ck.txt)
    check_eq "omp procs: $what" "$got" "procs: $what ${pair#*|}"
done

# The enclave takes a single-threaded job after the threaded ones.
check "a plain job after the threaded ones" cokernel run --enclave "$id" /bin/busybox echo next
check_eq "its output" "$out" "next"
# No PANIC line, on a console that has the last job's end (an empty console has no PANIC either).
console=$(cokernel console "$id")
case "$console" in *"job: exited with status 0"*)
    printf '%s\n' "$console" | grep -q PANIC && not_ok "the console has a PANIC: $(printf '%s\n' "$console" | grep -m3 PANIC)" ||
        ok "the console has the jobs' ends and no PANIC" ;;
*) not_ok "the console lacks 'job: exited with status 0': $(printf '%s\n' "$console" | tail -n 5)" ;;
esac
check "destroy" cokernel destroy "$id"
check_eq "CPUs are back" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_eq "memory is back" "$(grep MemTotal /proc/meminfo)" "$start_mem"
check_dmesg_clean
finish

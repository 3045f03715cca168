# vm: --smp 4 --mem 2G --add @BUILD@/tests/elf/hello_static:/root/hello_static --add @BUILD@/tests/elf/hello_static_pie:/root/hello_static_pie --add @BUILD@/tests/elf/hello_dynamic:/root/hello_dynamic --add @BUILD@/tests/elf/tiny_static:/root/tiny_static --add @BUILD@/tests/elf/crash_static:/root/crash_static --add @BUILD@/progs/stream:/root/stream --add @BUILD@/progs/syscheck:/root/syscheck --add @BUILD@/progs/signals:/root/signals
# cokernel run: static busybox in ring 3 on an enclave CPU, syscalls native or delegated to the proxy; output,
# files and exit statuses as on Linux; refused executables leave the enclave usable; --enclave reuse.
. /root/lib.sh
plan 78
start_cpus=$(cat /sys/devices/system/cpu/online)
start_mem=$(grep MemTotal /proc/meminfo)
check "modprobe cokernel" modprobe cokernel

# A temporary enclave per run.
check "run busybox echo hello" cokernel run --ncpus 1 --mem 256M /bin/busybox echo hello
check_eq "echo prints hello" "$out" "hello"
check_eq "the temporary enclave is gone" "$(grep -c . /proc/cokernel)" "1"
check_eq "CPUs are back" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_eq "memory is back" "$(grep MemTotal /proc/meminfo)" "$start_mem"

# SIGINT to the launcher: the temporary enclave goes away, the exit status is 130. (A shell's background job
# starts with SIGINT ignored and the job would inherit that: /root/signals default gives it its default action.)
/root/signals default cokernel run --ncpus 1 --mem 256M /bin/busybox sleep 60 &
pid=$!
started=no
for i in $(seq 60); do
    cokernel console 0 2>/dev/null | grep -q 'job: starting' && started=yes && break
    sleep 0.5
done
check_eq "the job started on temporary enclave 0 (console: 'job: starting')" "$started" "yes"
kill -INT $pid
wait $pid
check_eq "SIGINT during a job: exit 130" "$?" "130"
check_eq "the temporary enclave is gone after SIGINT" "$(grep -c . /proc/cokernel)" "1"
check_eq "CPUs are back after SIGINT" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"

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

# Native time, uname and getrandom; per-job policy reaches the co-kernel.
check "run uname -a" cokernel run --enclave "$id" /bin/busybox uname -a
check_eq "uname -a as on Linux" "$out" "$(busybox uname -a)"
check "run date +%s" cokernel run --enclave "$id" /bin/busybox date +%s
linux_now=$(date +%s)
# Bounds wide enough for a loaded CI machine; what they catch is a wrong clock or a sleep that returns early.
[ $((linux_now - out)) -ge 0 ] && [ $((linux_now - out)) -le 10 ] && ok "job clock within 10 s of Linux's" || not_ok "job date $out, Linux $linux_now"
t0=$(date +%s)
cokernel run --enclave "$id" /bin/busybox sleep 2
t1=$(date +%s)
[ $((t1 - t0)) -ge 2 ] && [ $((t1 - t0)) -le 12 ] && ok "sleep 2 takes at least 2 s (native nanosleep)" || not_ok "sleep 2 took $((t1 - t0)) s"
# The statistics table (delegation/stats.cpp): a header line, then one row per syscall and path. A check that
# a row is absent first checks that the table is there, with the row every job has (its delegated write).
stats_table() {
    head -n1 "$1" | grep -Eq '^syscall +path +count +total_ms +mean_us +%time$' &&
        grep -Eq '^write +delegated +[1-9][0-9]* ' "$1"
}
cokernel run --enclave "$id" --syscall-stats /bin/busybox date > /dev/null 2>/root/stats
stats_table /root/stats && ok "--syscall-stats prints the table, with the delegated write" ||
    not_ok "--syscall-stats: no table: $(cat /root/stats)"
if ! stats_table /root/stats; then not_ok "time calls are native by default: no table to look at"
elif grep -Eq '^(clock_gettime|gettimeofday|time) .*delegated' /root/stats; then not_ok "time delegated by default: $(cat /root/stats)"
else ok "time calls are native by default (no time row in the table)"; fi
cokernel run --enclave "$id" --stats --delegate=clock_gettime,gettimeofday,time /bin/busybox date > /dev/null 2>/root/stats
grep -Eq '^(clock_gettime|gettimeofday|time) +delegated +[1-9]' /root/stats && ok "--delegate=clock_gettime,... sends them to the proxy" || not_ok "--delegate: $(cat /root/stats)"
cokernel run --enclave "$id" --deny=write /bin/busybox echo denied > /root/out 2>&1
check_eq "--deny=write: echo fails" "$?" "1"
# Nothing written: first prove that the job ran (its end on the console), since a job that never ran writes
# nothing either.
last_end=$(cokernel console "$id" | grep 'job: exited with status\|job: killed' | tail -n1)
case "$last_end" in *"job: exited with status 1 ("*) ok "--deny=write: the job ran and exited 1 ($last_end)" ;;
*) not_ok "--deny=write: the job's end is not on the console: '$last_end'" ;; esac
check_eq "--deny=write: nothing written" "$(cat /root/out)" ""
check "getrandom reaches the job (mktemp)" cokernel run --enclave "$id" /bin/busybox mktemp -u
printf '%s' "$out" | grep -q '^/tmp/tmp\.' && ok "mktemp made a name: $out" || not_ok "mktemp: $out"

# Other static executables: glibc static and static-PIE (TLS, auxv), libc-free.
cokernel run --enclave "$id" /root/hello_static a b > /root/out 2>&1
check_eq "static glibc program exits 42" "$?" "42"
check_eq "static glibc program output" "$(head -n1 /root/out | cut -d: -f1)" "hello from /root/hello_static"
grep -q '^argv\[2\]=b$' /root/out && ok "arguments reach the job" || not_ok "arguments: $(cat /root/out)"
cokernel run --enclave "$id" /root/hello_static_pie > /root/out 2>&1
check_eq "static-PIE program exits 42" "$?" "42"
cokernel run --enclave "$id" /root/tiny_static
check_eq "libc-free program exits 42" "$?" "42"

# Faults and signals end the job with 128 + signal; the enclave goes on.
cokernel run --enclave "$id" /root/crash_static
check_eq "a page fault in the job: status 139 (SIGSEGV)" "$?" "139"
cokernel console "$id" | grep -q 'job: exception 14 at RIP' && ok "console reports the job's page fault" || not_ok "console: $(cokernel console "$id" | tail -n3)"
cokernel run --enclave "$id" /bin/busybox sh -c 'kill -TERM $$'
check_eq "a job that kills itself with SIGTERM: status 143" "$?" "143"
check "ping after the fault" cokernel ping "$id"

# Refused executables; the enclave stays usable.
printf 'not an ELF file\n' > /root/notelf
chmod +x /root/notelf
check_fails "a non-ELF file is refused" "not an ELF file" cokernel run --enclave "$id" /root/notelf
check_fails "a non-executable file is refused" "not executable" cokernel run --enclave "$id" /root/f
check_fails "a missing program is refused" "No such file" cokernel run --enclave "$id" /root/missing
cokernel run --enclave "$id" /root/hello_dynamic dyn > /root/dyn.txt 2>&1
check_eq "a dynamic executable runs (test_dynamic has the rest): exit 42" "$?" "42"
check_eq "... and prints its arguments" "$(tail -n1 /root/dyn.txt)" "argv[1]=dyn"
check_fails "an unknown enclave is refused" "no enclave 9" cokernel run --enclave 9 /bin/busybox true
check "ping after the refusals" cokernel ping "$id"
check "two jobs in a row (1)" cokernel run --enclave "$id" /bin/busybox echo one
check_eq "first job's output" "$out" "one"
check "two jobs in a row (2)" cokernel run --enclave "$id" /bin/busybox echo two
check_eq "second job's output" "$out" "two"
# More busybox applets, each compared with the same applet on Linux.
printf 'pear\napple\nfig\napple\n' > /root/fruit
for applet in "sort /root/fruit" "wc /root/fruit" "head -n 2 /root/fruit" "sort -u /root/fruit"; do
    # shellcheck disable=SC2086
    check "run busybox $applet" cokernel run --enclave "$id" /bin/busybox $applet
    check_eq "busybox $applet as on Linux" "$out" "$(busybox $applet)"
done
# An HPC-style job: the STREAM-style benchmark validates its results on the co-kernel.
check "run stream" cokernel run --enclave "$id" /root/stream 100000 2
printf '%s\n' "$out" | grep -q '^Solution validates' && ok "stream validates on the co-kernel" || not_ok "stream: $out"
check "console" cokernel console "$id"
printf '%s\n' "$out" | grep -q 'job: exited with status 3' && ok "console reports the exit status" || not_ok "console: $out"
check "destroy" cokernel destroy "$id"

# Our C test program (files, directories, stat, lseek, time, a 64 MiB mmap, brk growth, argv/envp, exit codes):
# the same output and exit status on the co-kernel as on Linux.
check "create a 512 MiB enclave" cokernel create --ncpus 1 --mem 512M
big=$(printf '%s\n' "$out" | tail -n1)
mkdir -p /root/sc-linux /root/sc-ck
SYSCHECK_A=1 /root/syscheck /root/sc-linux 5 arg "two words" > /root/sc-linux.txt
check_eq "syscheck on Linux exits 5" "$?" "5"
SYSCHECK_A=1 cokernel run --enclave "$big" /root/syscheck /root/sc-ck 5 arg "two words" > /root/sc-ck.txt
check_eq "syscheck on the co-kernel exits 5" "$?" "5"
if cmp -s /root/sc-linux.txt /root/sc-ck.txt; then ok "syscheck: same output as on Linux ($(tail -n1 /root/sc-ck.txt))"; else
    not_ok "syscheck output differs: $(diff /root/sc-linux.txt /root/sc-ck.txt | head -n 20)"; fi
check "destroy the 512 MiB enclave" cokernel destroy "$big"
check_eq "CPUs back at the end" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_eq "memory back at the end" "$(grep MemTotal /proc/meminfo)" "$start_mem"
check_dmesg_clean
finish

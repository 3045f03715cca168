# vm: --smp 3 --mem 2G --add @BUILD@/progs/fidelity:/root/fidelity
# Every answer is Linux's answer (issue 16): tests/progs/fidelity makes the calls the co-kernel once answered
# differently (getrusage, times, get/setpriority, sched_getscheduler/getparam/get_priority_*, mlockall,
# mlock, mincore, msync, select, kill/tgkill/sigqueueinfo targets and signals, rt_sigaction's pointers,
# munmap of kernel addresses, mmap beyond the memory, read with a length far beyond its buffer, the alarm
# clocks) with valid and bad arguments, one line per answer; on Linux and under `cokernel run` in the same VM
# the lines must be identical, and a few are checked by value so that a failure names what broke. int3 with
# no handler ends the job with SIGTRAP (133) as on Linux.
. /root/lib.sh
plan 28
start_cpus=$(cat /sys/devices/system/cpu/online)
check "modprobe cokernel" modprobe cokernel
mkdir -p /tmp

timeout 60 /root/fidelity > /root/linux.txt 2>/root/linux-err.txt
check_eq "fidelity on Linux: exit 0 ($(head -c 200 /root/linux-err.txt))" "$?:$(tail -n1 /root/linux.txt)" \
    "0:fidelity: done"
echo "# Linux: $(wc -l < /root/linux.txt) lines"
echo "# measured on Linux: $(/root/fidelity measure | tr '\n' ';')"

check "create a 2-CPU enclave" cokernel create --ncpus 2 --mem 256M
id=$(printf '%s\n' "$out" | tail -n1)
timeout 60 cokernel run --enclave "$id" /root/fidelity > /root/ck.txt 2>/root/ck-err.txt
check_eq "fidelity on the co-kernel: exit 0 ($(head -c 300 /root/ck-err.txt | tr '\n' ' '))" \
    "$?:$(tail -n1 /root/ck.txt)" "0:fidelity: done"
echo "# measured on the co-kernel: $(cokernel run --enclave "$id" /root/fidelity measure | tr '\n' ';')"
if cmp -s /root/linux.txt /root/ck.txt; then
    ok "fidelity: every line as on Linux ($(wc -l < /root/ck.txt) lines)"
else
    # busybox diff: unified; each differing line once as Linux's (-) and once as the co-kernel's (+)
    diff -U0 /root/linux.txt /root/ck.txt | grep -v '^\(---\|+++\|@@\)' > /root/diff.txt
    not_ok "fidelity: $(grep -c '^+' /root/diff.txt) lines differ from Linux (- Linux, + co-kernel):"
    head -n 80 /root/diff.txt | sed 's/^/#   /'
fi
sed 's/^/# L: /' /root/linux.txt

# A few answers by value, on the co-kernel (the comparison above says they are Linux's too).
line() { grep -m1 -F -- "$1: " /root/ck.txt; }
check_eq "getrusage(RUSAGE_SELF) is native and succeeds" "$(line 'getrusage(RUSAGE_SELF)')" "getrusage(RUSAGE_SELF): 0"
check_eq "getrusage(5) is EINVAL" "$(line 'getrusage(5)')" "getrusage(5): -1 EINVAL"
check_eq "times(NULL) succeeds" "$(line 'times(NULL) succeeds')" "times(NULL) succeeds: yes"
check_eq "getpriority's raw answer is 20 - nice" "$(line 'getpriority(PRIO_PROCESS, 0)')" "getpriority(PRIO_PROCESS, 0): 20"
check_eq "sched_getparam(999999) is ESRCH" "$(line 'sched_getparam(999999)')" "sched_getparam(999999): -1 ESRCH"
check_eq "mlockall(0) is EINVAL" "$(line 'mlockall(0)')" "mlockall(0): -1 EINVAL"
check_eq "mincore of an unmapped page is ENOMEM" "$(line 'mincore(the unmapped page)')" \
    "mincore(the unmapped page): -1 ENOMEM"
check_eq "msync(MS_SYNC | MS_ASYNC) is EINVAL" "$(line 'msync(MS_SYNC | MS_ASYNC)')" "msync(MS_SYNC | MS_ASYNC): -1 EINVAL"
check_eq "kill(999999, 0) is ESRCH" "$(line 'kill(999999, 0)')" "kill(999999, 0): -1 ESRCH"
check_eq "rt_sigaction with a bad new action is EFAULT" "$(line 'rt_sigaction(SIGUSR1, bad, NULL)')" \
    "rt_sigaction(SIGUSR1, bad, NULL): -1 EFAULT"
check_eq "munmap of a kernel address is EINVAL" "$(line 'munmap(kernel address)')" "munmap(kernel address): -1 EINVAL"
check_eq "mmap of 1 TiB is ENOMEM" "$(line 'mmap(1 TiB)')" "mmap(1 TiB): -1 ENOMEM"
check_eq "read of a 15-byte file with length 1 << 40 reads 15 bytes" \
    "$(line 'read(15-byte file, len 1 << 40) into 16 bytes')" "read(15-byte file, len 1 << 40) into 16 bytes: 15"
check_eq "select works in a job" "$(line 'select(pipe with a byte, poll)')" "select(pipe with a byte, poll): 1"

# What a job reads about itself in /proc/self: the job, not the proxy (/usr/bin/cokernel).
cd /root
FIDELITY_ENV=yes ./fidelity self one 'two words' > /root/linux-self.txt 2>&1
FIDELITY_ENV=yes cokernel run --enclave "$id" ./fidelity self one 'two words' > /root/ck-self.txt 2>&1
check_eq "self on Linux: the checks hold" "$(grep -c ': no$' /root/linux-self.txt):$(grep -c . /root/linux-self.txt)" "0:11"
if cmp -s /root/linux-self.txt /root/ck-self.txt; then ok "self: /proc/self/{cmdline,environ,comm,status,stat,maps} and the main thread's stack as on Linux"; else
    not_ok "self: differs from Linux: $(diff /root/linux-self.txt /root/ck-self.txt | grep '^[-+][^-+]' | tr '\n' ' ')"; fi
cd /
# What a job sees of its machine: the enclave (256 MiB, 2 CPUs), not the VM (2 GiB, 3 CPUs).
m=$(cokernel run --enclave "$id" /root/fidelity machine)
mib=$(printf '%s\n' "$m" | sed -n 's/^phys \([0-9]*\) MiB.*/\1/p')
echo "# on Linux: $(/root/fidelity machine); on the co-kernel: $m"
check_eq "sysconf(_SC_PHYS_PAGES) in a job is its memory: 128..256 MiB, _SC_AVPHYS_PAGES at most that ($m)" \
    "$([ "${mib:-0}" -gt 128 ] && [ "${mib:-0}" -le 256 ] && echo in-range),${m#*MiB, }" "in-range,avphys <= phys: yes, cpus 2"
check_eq "on Linux it is the VM's: more than 1 GiB, 1 CPU (the enclave has 2 of its 3)" \
    "$(/root/fidelity machine | awk '{print ($2 > 1024) ? "large" : "small", $NF}')" "large 1"

timeout 60 /root/fidelity int3 >/dev/null 2>&1
check_eq "int3 with no handler on Linux: exit 133 (SIGTRAP)" "$?" "133"
timeout 60 cokernel run --enclave "$id" /root/fidelity int3 >/dev/null 2>/root/ck-err.txt
check_eq "int3 with no handler on the co-kernel: exit 133 ($(head -c 200 /root/ck-err.txt | tr '\n' ' '))" "$?" "133"

check "destroy" cokernel destroy "$id"
check_eq "CPUs are back" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_dmesg_clean
finish

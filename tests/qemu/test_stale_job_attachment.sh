# vm: --smp 4 --mem 2G --add @BUILD@/tests/job_file:/root/job_file --add @BUILD@/progs/fdpass:/root/fdpass
# Issue 15's attack, layer by layer. As it was carried out: a job run through sudo (SUDO_UID=65534) sent its
# proxy's descriptor 1000 (the root-opened /dev/cokernel) to a process of user nobody, root destroyed the
# enclave and created another with the same id, and nobody mapped the stale descriptor: Linux's RAM. Now the
# job cannot send the descriptor (item 2); a file attached to an enclave's job space stays bound to that
# enclave, not to its id, so even a stolen one maps nothing after the destroy (item 1); and the proxy's file
# is sealed, taking JOB_WAIT and nothing else (item 2).
. /root/lib.sh
plan 28
start_cpus=$(cat /sys/devices/system/cpu/online)
start_mem=$(grep MemTotal /proc/meminfo)
check "modprobe cokernel" modprobe cokernel

# 1. The job tries to hand its proxy's descriptor to a process of another user.
cp /root/fdpass /tmp/fdpass
chmod 755 /tmp/fdpass
mkfifo -m 666 /tmp/go-fd
su -s /bin/sh nobody -c '/tmp/fdpass recv /tmp/thief.sock 2 /tmp/go-fd' >/tmp/recv.out 2>&1 &
thief=$!
for i in $(seq 50); do grep -q listening /tmp/recv.out && break; sleep 0.2; done
check_eq "a process of user nobody listens for descriptors" "$(head -n1 /tmp/recv.out)" "listening"
# (Its stdin, /dev/null: its stdout is the pipe of check's $(...), which the thief would keep open.)
check "a job (SUDO_UID=65534) hands over its own stdin" env SUDO_UID=65534 SUDO_GID=65534 \
    cokernel run --ncpus 1 --mem 256M /tmp/fdpass send /tmp/thief.sock 0
check_eq "... which works, as on Linux" "$out" "send 0 = ok"
check "the job tries its proxy's descriptor 1000" env SUDO_UID=65534 SUDO_GID=65534 \
    cokernel run --ncpus 1 --mem 256M /tmp/fdpass send /tmp/thief.sock 1000
check_eq "... and is refused (EBADF: not a descriptor of the job's)" "$out" "send 1000 = EBADF"
echo go >/tmp/go-fd
wait $thief
check_eq "nobody got the job's stdin" "$(sed -n 2p /tmp/recv.out)" "recv 1 = descriptor"
check_eq "... and no descriptor of the proxy's" "$(sed -n 3p /tmp/recv.out)" "recv 2 = none"

# 2. A stolen attached file (root hands it to nobody here) across destroy and re-create.
check "create enclave A" cokernel create --ncpus 1 --mem 256M
check_eq "A is enclave 0" "$(printf '%s\n' "$out" | tail -n1)" "0"
mkfifo /tmp/go
/root/job_file stale 0 /tmp/go >/tmp/stale.out 2>&1 &
holder=$!
for i in $(seq 50); do grep -q attached /tmp/stale.out && break; sleep 0.2; done
check_eq "a process of user nobody holds a file attached to A" "$(head -n1 /tmp/stale.out)" "attached"
check "A can be destroyed: the file maps nothing" cokernel destroy 0
check "create enclave B" cokernel create --ncpus 1 --mem 256M
check_eq "B gets id 0 again" "$(printf '%s\n' "$out" | tail -n1)" "0"
echo go >/tmp/go
wait $holder
check_eq "the holder ran to the end" "$?" "0"
check_eq "the stale file maps nothing of B's or A's memory" "$(sed -n 2p /tmp/stale.out)" "mmap: ENODEV"
check_eq "... nor a control area" "$(sed -n 3p /tmp/stale.out)" "mmap ctl: ENODEV"
dmesg | grep -q 'enclave 0 is destroyed (this file maps nothing any more)' &&
    ok "the module says why" || not_ok "no 'destroyed' line in dmesg: $(dmesg | tail -n 5)"

# The proxy's file after JOB_SEAL: what a thief of it could do.
check "a sealed proxy file" /root/job_file sealed 0
expected='mmap ctl before seal: ok
job start: ok
job start again: EBUSY
seal: ok
mmap ctl after seal: EPERM
mmap job memory after seal: EPERM
job start after seal: EPERM
info after seal: EPERM
version after seal: EPERM
attach: EPERM
attach after seal: refused
job wait after seal: ok'
check_eq "a sealed file takes JOB_WAIT and nothing else" "$out" "$expected"
check "B runs a job after the sealed file went away" cokernel run --enclave 0 /bin/busybox echo fine
check_eq "the job's output" "$out" "fine"
check "destroy B" cokernel destroy 0
check_eq "CPUs are back" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_eq "memory is back" "$(grep MemTotal /proc/meminfo)" "$start_mem"
check_eq "no memory block offline" "$(grep -l offline /sys/devices/system/memory/memory*/state | wc -l)" "0"
check "rmmod cokernel (no reference left)" rmmod cokernel
check_dmesg_clean
finish

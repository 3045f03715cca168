# vm: --smp 4 --mem 2G --add @BUILD@/progs/escape:/root/escape
# A job may not reach its proxy's privileges (issue 15, items 2 and 3): tests/progs/escape tries each way out
# (the proxy's descriptors 1000 and up named, sent, reopened; the proxy's /proc directory; process-access
# calls; RLIMIT_NOFILE; ioctls off the list or pointing outside the job's memory; select/poll on the proxy's
# descriptors) and prints one line per attempt. On the co-kernel, as root, as --user nobody and through
# SUDO_UID on a temporary enclave, the lines listed below must show the refusal; every other line must be what
# the same program prints on Linux (as the same user, under ulimit -n 1000, the proxy's descriptor limit).
. /root/lib.sh
plan 134
check "modprobe cokernel" modprobe cokernel
check "create an enclave" cokernel create --ncpus 1 --mem 256M
id=$(printf '%s\n' "$out" | tail -n1)

cp /root/escape /tmp/escape
chmod 755 /tmp/escape
mkdir -p /tmp/esc-root /tmp/esc-nobody
chown nobody /tmp/esc-nobody
# The job's stdin: a file every user may read (a pipe made by this root shell could not be reopened by nobody,
# on Linux or on the co-kernel). The links a Linux system has in /dev (the initramfs has none).
printf 'hello\n' >/tmp/esc-stdin
chmod 644 /tmp/esc-stdin
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
[ -e /dev/stdin ] || ln -s /proc/self/fd/0 /dev/stdin
[ -e /dev/stdout ] || ln -s /proc/self/fd/1 /dev/stdout
[ -e /dev/stderr ] || ln -s /proc/self/fd/2 /dev/stderr
as_nobody() { su -s /bin/sh nobody -c "$*"; }

# Where the co-kernel must differ from Linux, and how. Descriptor 1000 is the proxy's /dev/cokernel, the only
# descriptor it keeps (a temporary enclave belongs to that file too).
refusals='open /proc/self/fd/1000 = EACCES
open /proc/self/fd/1000 O_PATH = EACCES
open /dev/fd/1000 = EACCES
open /proc/PID/fd/1000 = EACCES
open /dev/cokernel = EACCES
open /proc/self/mem = EACCES
open /proc/self/maps = ok
open /proc/self/environ = ok
open /proc/self/pagemap = EACCES
open /proc/self/status = ok
open /proc/self/auxv = EACCES
open /proc/self/fdinfo/0 = EACCES
open /proc/self/mem O_RDWR = EACCES
open /proc/thread-self/mem = EACCES
open /proc/PID/mem = EACCES
open /proc/PID/task/TID/mem = EACCES
open //proc/./self/mem = EACCES
open /proc/self/../self/mem = EACCES
open /proc/self directory = EACCES
open /proc/self/fd directory = EACCES
open /proc/self/map_files directory = EACCES
open /proc/self link O_PATH O_NOFOLLOW = EACCES
open /proc/self/exe link O_PATH O_NOFOLLOW = EACCES
chdir /proc/self then open mem = EACCES
openat /proc dirfd self/mem = EACCES
open a symlink to /proc/self/mem = EACCES
ptrace PEEKUSER self = EPERM
process_vm_readv self = EPERM
process_vm_writev self = EPERM
pidfd_open self = EPERM
pidfd_getfd self 0 = EPERM
kcmp self KCMP_FILE 0 0 = EPERM
socket AF_XDP = EAFNOSUPPORT
setrlimit RLIMIT_NOFILE 2000 2000 = EPERM
prlimit64 self RLIMIT_NOFILE infinity = EPERM
ioctl FIOGETOWN socket (not on the list) = ENOTTY
ioctl SIOCDEVPRIVATE socket (not on the list) = ENOTTY
ioctl SIOCGIFCONF buffer outside job memory = EFAULT'

# compare NAME CO_KERNEL_OUTPUT LINUX_OUTPUT REFUSALS: one check per refusal, one for all other lines.
compare() {
    name=$1 ck=$2 linux=$3 expect=$4
    check_eq "$name: escape runs to its end" "$(printf '%s\n' "$ck" | tail -n1)" "escape = done"
    while IFS= read -r line; do
        what=${line% = *}
        got=$(printf '%s\n' "$ck" | awk -F' = ' -v w="$what" '$1 == w { print $2 }')
        check_eq "$name: $line" "$got" "${line##* = }"
    done <<EOF
$expect
EOF
    printf '%s\n' "$expect" | sed 's/ = .*//' >/tmp/esc-names
    printf '%s\n' "$ck" | awk -F' = ' 'NR == FNR { skip[$1] = 1; next } !($1 in skip)' /tmp/esc-names - >/tmp/esc-ck
    printf '%s\n' "$linux" | awk -F' = ' 'NR == FNR { skip[$1] = 1; next } !($1 in skip)' /tmp/esc-names - \
        >/tmp/esc-linux
    if cmp -s /tmp/esc-ck /tmp/esc-linux; then
        ok "$name: the other $(grep -c . /tmp/esc-ck) lines as on Linux"
    else
        not_ok "$name: lines differ from Linux: $(diff /tmp/esc-linux /tmp/esc-ck | grep '^[-+][^-+]')"
    fi
}

# Linux, the reference (the same user, the proxy's descriptor limit).
linux_root=$(ulimit -n 1000 && /tmp/escape /tmp/esc-root </tmp/esc-stdin 2>&1)
check_eq "Linux, root: escape runs to its end" "$(printf '%s\n' "$linux_root" | tail -n1)" "escape = done"
linux_nobody=$(as_nobody "ulimit -n 1000 && /tmp/escape /tmp/esc-nobody </tmp/esc-stdin" 2>&1)
check_eq "Linux, nobody: escape runs to its end" "$(printf '%s\n' "$linux_nobody" | tail -n1)" "escape = done"
printf '%s\n' "$linux_root" | grep -qxF 'open /proc/self/mem = ok' && ok "Linux: a process opens its own /proc/self/mem" ||
    not_ok "Linux: /proc/self/mem: $(printf '%s\n' "$linux_root" | grep 'proc/self/mem')"
printf '%s\n' "$linux_root" | grep -qxF 'open /dev/stdin and read it = ok '"'hello'" &&
    ok "Linux: cat /dev/stdin works" || not_ok "Linux: /dev/stdin: $(printf '%s\n' "$linux_root" | head -n1)"

# The co-kernel.
ck_root=$(cokernel run --enclave "$id" /tmp/escape /tmp/esc-root </tmp/esc-stdin 2>&1)
compare "co-kernel, root" "$ck_root" "$linux_root" "$refusals"
ck_nobody=$(cokernel run --user nobody --enclave "$id" /tmp/escape /tmp/esc-nobody </tmp/esc-stdin 2>&1)
compare "co-kernel, --user nobody" "$ck_nobody" "$linux_nobody" "$refusals"
ck_sudo=$(SUDO_UID=65534 SUDO_GID=65534 cokernel run --ncpus 1 --mem 256M /tmp/escape /tmp/esc-nobody \
    </tmp/esc-stdin 2>&1)
compare "co-kernel, SUDO_UID, temporary enclave" "$ck_sudo" "$linux_nobody" "$refusals"
check_eq "the temporary enclave is gone" "$(grep -c . /proc/cokernel)" "2"

# The proxy while a job runs: no descriptor of its own below 1000 (nothing the job could use), and
# RLIMIT_NOFILE at 1000, so that nothing of the job's lands among its own.
cokernel run --user nobody --enclave "$id" /bin/busybox sleep 3 &
pid=$!
limits=
for i in $(seq 80); do # the proxy lowers the limit just before it serves the job
    limits=$(awk '/^Max open files/ { print $4, $5 }' /proc/$pid/limits 2>/dev/null)
    [ "$limits" = "1000 1000" ] && break
    sleep 0.1
done
check_eq "the proxy's RLIMIT_NOFILE" "$limits" "1000 1000"
check_eq "the proxy's descriptors: 0 1 2 and the device at 1000" "$(ls /proc/$pid/fd | sort -n | tr '\n' ' ')" \
    "0 1 2 1000 "
wait $pid
check_eq "that job ends normally" "$?" "0"

# Every refusal shows in --syscall-stats: the six ioctls off the list, and the 23 opens of the proxy's files that
# the job is refused above (as root, with --enclave).
stats=$(cokernel run --syscall-stats --enclave "$id" /tmp/escape /tmp/esc-root </tmp/esc-stdin 2>&1 >/dev/null)
check_eq "--syscall-stats: ioctl refused 6 times" \
    "$(printf '%s\n' "$stats" | awk '$1 == "ioctl" && $2 == "refused" { print $3 }')" "6"
check_eq "--syscall-stats: openat refused 23 times" \
    "$(printf '%s\n' "$stats" | awk '$1 == "openat" && $2 == "refused" { print $3 }')" "23"

check "destroy" cokernel destroy "$id"
check_dmesg_clean
finish

# vm: --smp 4 --mem 2G
# cokernel run drops to the invoking user (--user, SUDO_UID, a setuid-root install): the job's delegated
# syscalls get EACCES where that user gets it on Linux, the program is read with the user's rights, files the
# job creates belong to the user, the proxy holds no root ids while the job runs.
. /root/lib.sh
plan 40
start_cpus=$(cat /sys/devices/system/cpu/online)
start_mem=$(grep MemTotal /proc/meminfo)
check "modprobe cokernel" modprobe cokernel
check "create an enclave" cokernel create --ncpus 1 --mem 256M
id=$(printf '%s\n' "$out" | tail -n1)
mem_with_enclave=$(grep MemTotal /proc/meminfo)

printf 'secret\n' >/root/secret
chmod 600 /root/secret
printf 'public\n' >/root/public
chmod 644 /root/public
chmod 755 /root
as_nobody() { su -s /bin/sh nobody -c "$*"; }

# What Linux does for nobody.
linux_err=$(as_nobody 'busybox cat /root/secret' 2>&1)
linux_rc=$?
check_eq "Linux: nobody cannot read /root/secret (exit 1)" "$linux_rc" "1"
printf '%s' "$linux_err" | grep -q 'Permission denied' && ok "Linux: Permission denied" ||
    not_ok "Linux's error text: $linux_err"
linux_id=$(as_nobody 'busybox id')

# The same on the co-kernel, each way of naming the user.
for how in "--user nobody" "--user 65534:65534" "SUDO"; do
    if [ "$how" = SUDO ]; then
        err=$(SUDO_UID=65534 SUDO_GID=65534 cokernel run --enclave "$id" /bin/busybox cat /root/secret 2>&1)
    else
        # shellcheck disable=SC2086 # two words on purpose
        err=$(cokernel run $how --enclave "$id" /bin/busybox cat /root/secret 2>&1)
    fi
    rc=$?
    check_eq "$how: cat /root/secret exits as on Linux" "$rc" "$linux_rc"
    check_eq "$how: the same error as on Linux" "$err" "$linux_err"
done
check "--user nobody: cat of a readable file" cokernel run --user nobody --enclave "$id" /bin/busybox cat /root/public
check_eq "--user nobody: its contents" "$out" "public"
check "--user nobody: id" cokernel run --user nobody --enclave "$id" /bin/busybox id
check_eq "--user nobody: id as on Linux" "$out" "$linux_id"
check "SUDO_UID: id" env SUDO_UID=65534 SUDO_GID=65534 cokernel run --enclave "$id" /bin/busybox id
check_eq "SUDO_UID: id as on Linux" "$out" "$linux_id"
check "root stays root without sudo or --user" cokernel run --enclave "$id" /bin/busybox id -u
check_eq "root: id -u" "$out" "0"

# Files the job creates belong to the user; the user may not write where Linux would refuse.
cokernel run --user nobody --enclave "$id" /bin/busybox sh -c 'echo x > /tmp/by_nobody'
check_eq "a file the job creates belongs to nobody" "$(stat -c %U:%G /tmp/by_nobody)" "nobody:nogroup"
# Refused, not merely absent: the shell's error says why (a job that never ran creates nothing either).
err=$(cokernel run --user nobody --enclave "$id" /bin/busybox sh -c 'echo x > /root/denied' 2>&1)
rc=$?
[ $rc -ne 0 ] && [ ! -e /root/denied ] && printf '%s' "$err" | grep -q '/root/denied: Permission denied' &&
    ok "nobody cannot create a file in /root (exit $rc: $err)" ||
    not_ok "creating /root/denied as nobody: exit $rc, $([ -e /root/denied ] && echo 'created' || echo 'absent'): $err"

# The proxy while the job runs: every uid and gid is nobody's, no supplementary root group.
cokernel run --user nobody --enclave "$id" /bin/busybox sleep 5 &
pid=$!
for i in $(seq 40); do
    uids=$(sed -n 's/^Uid:[[:space:]]*//p' /proc/$pid/status 2>/dev/null | tr -s '\t ' ' ')
    [ "$uids" = "65534 65534 65534 65534" ] && break
    sleep 0.25
done
check_eq "the proxy's uids (real, effective, saved, fs)" "$uids" "65534 65534 65534 65534"
check_eq "the proxy's gids" "$(sed -n 's/^Gid:[[:space:]]*//p' /proc/$pid/status | tr -s '\t ' ' ')" \
    "65534 65534 65534 65534"
check_eq "the proxy's groups" "$(sed -n 's/^Groups:[[:space:]]*//p' /proc/$pid/status | tr -d ' \t')" "65534"
wait $pid
check_eq "the job ends normally" "$?" "0"

# The program is read with the user's rights: a root-only program is refused before the enclave is touched.
mkdir -p /root/private
cp /bin/busybox /root/private/echo # busybox runs the applet named by argv[0]
chmod 700 /root/private/echo
check_fails "a 0700 root program as nobody" "/root/private/echo: Permission denied" \
    cokernel run --user nobody --enclave "$id" /root/private/echo nobody-ok
check "the same program as root" cokernel run --enclave "$id" /root/private/echo root-ok
check_eq "root runs it" "$out" "root-ok"
check_fails "--user with an unknown name" "--user: no user 'nosuchuser'" \
    cokernel run --user nosuchuser --enclave "$id" /bin/busybox true

# A setuid-root install: the real user is the job's user; --user is refused to non-root callers.
cp /usr/bin/cokernel /usr/bin/cokernel-suid
chmod 4755 /usr/bin/cokernel-suid
err=$(as_nobody "cokernel-suid run --enclave $id /bin/busybox cat /root/secret" 2>&1)
rc=$?
check_eq "setuid: cat /root/secret exits as on Linux" "$rc" "$linux_rc"
check_eq "setuid: the same error as on Linux" "$err" "$linux_err"
check_eq "setuid: id as on Linux" "$(as_nobody "cokernel-suid run --enclave $id /bin/busybox id")" "$linux_id"
err=$(as_nobody "cokernel-suid run --user root --enclave $id /bin/busybox id" 2>&1)
rc=$?
[ $rc -eq 125 ] && printf '%s' "$err" | grep -q -- '--user needs root' && ok "setuid: --user refused: $err" ||
    not_ok "setuid: --user root as nobody: exit $rc: $err"

# A temporary enclave as a user: the module destroys it when the proxy's file closes (no root left then).
check "temporary enclave, SUDO_UID" env SUDO_UID=65534 SUDO_GID=65534 cokernel run --ncpus 1 --mem 256M \
    /bin/busybox id -u
check_eq "the job ran as 65534" "$out" "65534"
check_eq "the temporary enclave is gone" "$(grep -c . /proc/cokernel)" "2"
check_eq "its memory is back online (the module onlines it)" "$(grep MemTotal /proc/meminfo)" "$mem_with_enclave"

check "destroy" cokernel destroy "$id"
check_eq "CPUs are back" "$(cat /sys/devices/system/cpu/online)" "$start_cpus"
check_eq "memory is back" "$(grep MemTotal /proc/meminfo)" "$start_mem"
check_dmesg_clean
finish

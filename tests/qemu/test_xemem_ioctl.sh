# vm: --smp 2 --mem 1G --add @BUILD@/tests/xemem_bad_ioctls:/root/xemem_bad_ioctls --add @BUILD@/tests/xemem_smoke:/root/xemem_smoke
# /dev/xemem on raw ioctls, without libxemem: every malformed request is refused with its errno and changes
# nothing; owner/attacher pairs share current pages (fork + COW, read-only, permissions, killed processes,
# 2 MiB chunks and huge pages); the counters come back to zero and the kernel log stays clean.
. /root/lib.sh
plan 8
# How many checks each program runs (its own summary line: "# PROGRAM: N checks, 0 failed"; children's lines
# are not counted there). A check that is skipped, or one added without updating these, fails the test.
bad_ioctls_checks=121
smoke_checks=73
check "modprobe cokernel" modprobe cokernel
check_eq "/dev/xemem is mode 0666" "$(stat -c %a /dev/xemem)" "666"
check "module rejects malformed /dev/xemem ioctls" /root/xemem_bad_ioctls
printf '%s\n' "$out"
check_eq "xemem_bad_ioctls: every check ran, one ok line each" \
    "$(printf '%s\n' "$out" | grep -c '^ok   - ') $(printf '%s\n' "$out" | tail -n1)" \
    "$bad_ioctls_checks # xemem_bad_ioctls: $bad_ioctls_checks checks, 0 failed"
check "owner/attacher smoke on raw ioctls" /root/xemem_smoke 1000 5
printf '%s\n' "$out"
check_eq "xemem_smoke: every check ran" "$(printf '%s\n' "$out" | tail -n1)" \
    "# xemem_smoke: $smoke_checks checks, 0 failed"
check "rmmod cokernel" rmmod cokernel
check_dmesg_clean
finish

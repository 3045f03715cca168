# vm: --smp 2 --mem 3G --add @BUILD@/xemem-tests/xemem_test:/root/xemem_test --add @BUILD@/xemem-tests/xemem_bench:/root/xemem_bench
# XEMEM through libxemem (tests/xemem/xemem_test, static): unrelated owner and attacher processes share a named
# 256 MiB segment and see each other's writes; two attachers; two segments; fork + copy-on-write in the owner;
# read-only attachments; mode bits and uids (uids 1000/1001); every invalid argument; killed owner and
# attacher; 1,000 make/attach/detach cycles. After each scenario the module's counters are back to zero, also
# as `cokernel xemem stats` shows them; the kernel log stays clean. Then the benchmark (bench/xemem).
. /root/lib.sh
plan 33
check "modprobe cokernel" modprobe cokernel
check "cokernel xemem stats" cokernel xemem stats
printf '%s\n' "$out"

# The live counters as `cokernel xemem stats --json` prints them must all be 0.
check_stats_zero() {
    stats=$(cokernel xemem stats --json)
    live=$(printf '%s' "$stats" | grep -o '"\(segments\|apids\|attachments\|pinned_pages\)":[0-9]*' | tr '\n' ' ')
    check_eq "$1: cokernel xemem stats: nothing live" "$live" \
        '"segments":0 "apids":0 "attachments":0 "pinned_pages":0 '
}

scenario() {
    name=$1
    shift
    if out=$(/root/xemem_test "$@" 2>&1); then ok "$name"; else not_ok "$name (exit $?)"; fi
    printf '%s\n' "$out" | sed 's/^/    /'
    check_stats_zero "$name"
}

scenario "acceptance: two unrelated processes share a named 256 MiB segment" share 256 accept-256M
scenario "two attachers" two-attachers
scenario "two segments" two-segments
scenario "fork + copy-on-write in the owner" fork-cow
scenario "read-only attachment" readonly
scenario "mode bits and uids (non-root users)" permissions
scenario "invalid arguments" invalid
scenario "killed attacher (SIGKILL)" kill-attacher
scenario "killed owner (SIGKILL)" kill-owner
scenario "the whole address space, as Open MPI and UCX export it" whole
scenario "1,000 make/attach/detach cycles" cycles 1000

check "cokernel xemem list when nothing is shared" cokernel xemem list
check_eq "no segments listed" "$out" "no segments"
check "cokernel xemem list --json" cokernel xemem list --json
check_eq "an empty JSON list" "$out" "[]"

# The benchmark, in the same run; its figures are printed, not asserted.
mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm
check "benchmark: attach + touch vs shm_open + mmap" /root/xemem_bench 3 1 64 1024
printf '%s\n' "$out"
check_stats_zero "after the benchmark"
check "cokernel xemem stats after all tests" cokernel xemem stats
printf '%s\n' "$out"

check "rmmod cokernel" rmmod cokernel
check_dmesg_clean
finish

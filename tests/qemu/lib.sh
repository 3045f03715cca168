# Helpers for guest-side test scripts (busybox sh). Every check prints "ok" or "FAIL" with its name.
# A script declares how many checks it runs, right after sourcing this file: `plan N`. finish prints the
# totals and fails the test when any check failed, when no plan was declared, or when the number of checks
# that ran differs from the plan (fewer: a check was skipped or the script stopped early; more: a check ran
# that the plan does not know). Rules (docs/architecture.md, "Rules for QEMU tests"): the count is fixed (no
# check that only exists on failure, no loop over a list the test did not fix), and every negative check
# (nothing printed, no line matches, a file is absent) first proves that its input exists.
passed=0
failed=0
planned=""
finished=""

# plan N: the exact number of checks this script runs. A script that ends without reaching finish fails.
plan() {
    case "$1" in '' | *[!0-9]*) echo "# plan: '$1' is not a number"; exit 1 ;; esac
    planned=$1
    echo "# plan: $planned checks"
    trap '[ -n "$finished" ] || { echo "# the script ended before finish: $((passed + failed)) of ${planned} checks ran"; exit 1; }' EXIT
}

ok() { passed=$((passed + 1)); echo "ok   - $1"; }
not_ok() { failed=$((failed + 1)); echo "FAIL - $1"; }

# The state that must be the same before and after every failed or undone operation.
state() {
    echo "cpus=$(cat /sys/devices/system/cpu/online)"
    grep MemTotal /proc/meminfo
    grep -c . /proc/cokernel 2>/dev/null || true
    cat /sys/devices/system/memory/memory*/state | sort | uniq -c
}

# check NAME CMD...: CMD must succeed; its output goes to $out.
check() {
    name=$1
    shift
    if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name (exit $?): $out"; fi
}

# check_fails NAME TEXT CMD...: CMD must fail with exit 1 or 2 (125 for `cokernel run`, whose own failures
# must not look like its program's exit status), print TEXT on stderr, and change nothing.
check_fails() {
    name=$1 text=$2
    shift 2
    before=$(state)
    err=$("$@" 2>&1 >/dev/null)
    rc=$?
    after=$(state)
    if [ $rc -eq 0 ]; then
        not_ok "$name: succeeded but should fail"
    elif [ $rc -ne 1 ] && [ $rc -ne 2 ] && { [ $rc -ne 125 ] || [ "$1 $2" != "cokernel run" ]; }; then
        not_ok "$name: exit $rc (expected 1 or 2, or 125 from cokernel run): $err"
    elif ! printf '%s' "$err" | grep -qF -- "$text"; then
        not_ok "$name: stderr lacks '$text': $err"
    elif [ "$before" != "$after" ]; then
        not_ok "$name: state changed: before [$before] after [$after]"
    else
        ok "$name: $(printf '%s' "$err" | head -n1)"
    fi
}

# check_eq NAME ACTUAL EXPECTED
check_eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: got '$2', expected '$3'"; fi
}

check_dmesg_clean() {
    bad=$(dmesg | grep -E 'Oops|BUG|WARNING|Call Trace' || true)
    if [ -z "$bad" ]; then ok "dmesg has no Oops, BUG or WARNING"; else not_ok "dmesg: $bad"; fi
}

finish() {
    finished=1
    ran=$((passed + failed))
    echo "# $passed passed, $failed failed"
    if [ -z "$planned" ]; then
        echo "# no plan: call 'plan N' right after '. /root/lib.sh'"
        return 1
    fi
    if [ "$ran" -ne "$planned" ]; then
        echo "# planned $planned checks, ran $ran"
        return 1
    fi
    [ $failed -eq 0 ]
}

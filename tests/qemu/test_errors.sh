# vm: --numa 2 --smp 4 --mem 2G --add @BUILD@/tests/bad_ioctls:/root/bad_ioctls
# Every user error is one clear message, exit status 1 or 2, and changes nothing.
. /root/lib.sh
plan 37
# The number of cases tests/qemu/bad_ioctls.cpp runs (one "ok" line each); a case that is skipped, or one added
# without updating this number, fails the test.
bad_ioctls_cases=92
check_fails "module not loaded" "modprobe cokernel" cokernel list
check "modprobe cokernel" modprobe cokernel
check_fails "not root" "root" su -s /bin/sh nobody -c 'cokernel create --ncpus 1 --mem 128M --no-boot'
check_fails "neither --cpus nor --ncpus" "--cpus" cokernel create --mem 128M --no-boot
check_fails "both --cpus and --ncpus" "--cpus" cokernel create --cpus 2 --ncpus 1 --mem 128M --no-boot
check_fails "missing --mem" "--mem" cokernel create --ncpus 1 --no-boot
check_fails "CPU 0" "CPU 0" cokernel create --cpus 0 --mem 128M --no-boot
check_fails "CPU that does not exist" "CPU 9" cokernel create --cpus 9 --mem 128M --no-boot
check_fails "CPUs on two nodes" "node" cokernel create --cpus 1,2 --mem 128M --no-boot
check_fails "more CPUs than free" "CPU" cokernel create --ncpus 4 --mem 128M --no-boot
check_fails "malformed list '2-'" "2-" cokernel create --cpus 2- --mem 128M --no-boot
check_fails "malformed list 'a'" "'a'" cokernel create --cpus a --mem 128M --no-boot
check_fails "malformed list '3-1'" "3-1" cokernel create --cpus 3-1 --mem 128M --no-boot
check_fails "malformed list ''" "cpu" cokernel create --cpus '' --mem 128M --no-boot
check_fails "malformed size '12Q'" "12Q" cokernel create --ncpus 1 --mem 12Q --no-boot
check_fails "size 0" "size" cokernel create --ncpus 1 --mem 0 --no-boot
check_fails "negative size" "-1M" cokernel create --ncpus 1 --mem -1M --no-boot
check_fails "size overflow" "99999999999999999999" cokernel create --ncpus 1 --mem 99999999999999999999 --no-boot
check_fails "size not a multiple of the block size" "134217728" cokernel create --ncpus 1 --mem 100M --no-boot
check_fails "more memory than the node has" "movablecore=" cokernel create --cpus 1 --mem 1G --numa 0 --no-boot
check_fails "blocks that refuse to go offline" "movablecore=" cokernel create --cpus 1 --mem 768M --numa 0 --no-boot
check_fails "NUMA node that does not exist" "node 5" cokernel create --ncpus 1 --mem 128M --numa 5 --no-boot
check_fails "destroy: no such enclave" "no enclave 7" cokernel destroy 7
check_fails "destroy: malformed id" "abc" cokernel destroy abc
check_fails "unknown command" "frobnicate" cokernel frobnicate
check_fails "unknown option" "--bogus" cokernel create --bogus

check "create --cpus 2" cokernel create --cpus 2 --mem 128M --no-boot
check_fails "CPU already in an enclave" "enclave 0" cokernel create --cpus 2 --mem 128M --no-boot
# The module checks every ioctl argument itself: malformed requests from a program that bypasses the launcher,
# with a partitioned enclave (the one above) and a running one (for the job requests) to point at.
check "create --cpus 3 (booted, for the job requests)" cokernel create --cpus 3 --mem 128M
check "module rejects malformed ioctls" /root/bad_ioctls
printf '%s\n' "$out"
check_eq "bad_ioctls: every case passed" "$(printf '%s\n' "$out" | grep -c '^ok   - ')" "$bad_ioctls_cases"
check "destroy --all" cokernel destroy --all
check_eq "all CPUs online" "$(cat /sys/devices/system/cpu/online)" "0-3"
check_eq "no memory block offline" "$(grep -l offline /sys/devices/system/memory/memory*/state | wc -l)" "0"
check "cokernel --help" cokernel --help
check "cokernel create --help" cokernel create --help
check_dmesg_clean
finish

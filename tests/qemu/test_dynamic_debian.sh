# vm: --rootfs debian --smp 3 --mem 2G
# Unmodified dynamically linked Debian programs on a Debian 12 root file system (scripts/vm --rootfs debian):
# Python 3 (python3-minimal, its standard library read from the VM's /usr/lib/python3.11 through the proxy,
# its extension modules loaded with dlopen, its threads) and dpkg-query, each run on Linux's CPUs 0-1 and in a 2-CPU
# enclave, with the same exit status, stdout and stderr.
. /root/lib.sh
plan 18
check "modprobe cokernel" modprobe cokernel
check "create a 2-CPU enclave" cokernel create --ncpus 2 --mem 512M
id=$(printf '%s\n' "$out" | tail -n1)
mkdir -p /root/work
cd /root/work || exit 1

# same NAME PROG ARGS...: on Linux and in the enclave, the same exit status and the same non-empty stdout
# and stderr. 3 checks.
same() {
    name=$1
    shift
    timeout 300 taskset -c 0-1 "$@" > /root/linux.txt 2>/root/linux-err.txt
    lrc=$?
    timeout 300 cokernel run --enclave "$id" "$@" > /root/ck.txt 2>/root/ck-err.txt
    crc=$?
    check_eq "$name: exit status as on Linux ($(head -c 300 /root/ck-err.txt | tr '\n' ' '))" "$crc" "$lrc"
    if [ -s /root/linux.txt ] && cmp -s /root/linux.txt /root/ck.txt; then
        ok "$name: same stdout as on Linux ($(head -c 80 /root/ck.txt | head -n1), exit $lrc)"
    else
        not_ok "$name: stdout differs from Linux's: $(diff /root/linux.txt /root/ck.txt | head -n 20 | tr '\n' ' ')"
    fi
    if cmp -s /root/linux-err.txt /root/ck-err.txt; then ok "$name: same stderr ($(wc -c < /root/ck-err.txt) bytes)"; else
        not_ok "$name: stderr differs: $(diff /root/linux-err.txt /root/ck-err.txt | head -n 10 | tr '\n' ' ')"; fi
}
same "python3 hashlib" python3 -c 'import hashlib,sys; print(hashlib.sha256(b"x"*10**6).hexdigest())'
same "python3 re, struct, pickle, random, threads, files" python3 -c '
import re, struct, pickle, random, threading, math, os
random.seed(1)
d = {"words": re.findall(r"[a-z]+", "the co-kernel runs python"), "pi": round(math.pi, 6),
     "packed": struct.pack("<IQ", 7, 2**40).hex(), "random": [random.randrange(1000) for _ in range(5)]}
sums = [0] * 3
def work(i):
    sums[i] = sum(range(i * 100000, (i + 1) * 100000))
threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
for t in threads: t.start()
for t in threads: t.join()
d["sums"] = sums
with open("out.pickle", "wb") as f:
    pickle.dump(d, f)
with open("out.pickle", "rb") as f:
    print(sorted(pickle.load(f).items()))
print(sorted(os.listdir(".")))
os.remove("out.pickle")'
same "python3 exit status 7" python3 -c 'import sys; print("bye"); sys.exit(7)'
same "python3 uncaught exception (traceback on stderr, exit 1)" python3 -c 'print("before"); 1/0'
same "dpkg-query" dpkg-query -W -f '${Package} ${Version}\n' libc6 python3-minimal
check_dmesg_clean
finish

# Runs in the Debian VM (tests/packages/run): installs our five packages, loads cokernel.ko as DKMS built it,
# boots an enclave from the installed image, runs a static job, removes the packages and checks that nothing
# of them is left. $1: the packages' version.
. /root/lib.sh
plan 33
version=$1
pkgs="cokernel cokernel-dkms cokernel-image libxemem1 libxemem-dev"
installed() { dpkg-query -W -f '${Status}\n' $pkgs 2>/dev/null | grep -c 'install ok installed'; }
lists() { ls /var/lib/dpkg/info | grep -cE '^(cokernel|cokernel-dkms|cokernel-image|libxemem1|libxemem-dev)(:amd64)?\.list$'; }
kofiles() { find /lib/modules -name 'cokernel.ko*' | wc -l; }

# Before: a Debian system that has none of it (the VM was booted --bare).
check_eq "a Debian 12 root file system" "$(cut -d. -f1 /etc/debian_version)" "12"
check_eq "dpkg works: it knows libc6" "$(dpkg-query -W -f '${Status}' libc6)" "install ok installed"
check_eq "none of our packages is installed" "$(installed)" "0"
check_eq "no cokernel command, image or module" "$(command -v cokernel; ls /usr/lib/cokernel 2>/dev/null; kofiles)" "0"

# Install: five packages, no network; cokernel-dkms's postinst adds the module to DKMS.
check "dpkg -i the five packages" dpkg -i /root/debs/*.deb
check_eq "five packages installed" "$(installed)" "5"
check_eq "five dpkg file lists" "$(lists)" "5"
check_eq "DKMS knows the module (cokernel-dkms's postinst)" "$(dkms status -m cokernel | cut -d: -f1)" "cokernel/$version"
# The VM has no kernel headers, so the postinst could only add the sources: take that entry out and load it
# again from the binaries DKMS built on the host (tests/packages/run), then install as on any machine.
check "dkms remove the postinst's entry" dkms remove -m cokernel -v "$version" --all
check "dkms ldtarball the host's DKMS build" dkms ldtarball /root/dkms-bin.tar.gz
check "dkms install for the running kernel" dkms install -m cokernel -v "$version" -k "$(uname -r)"
check_eq "dkms status: installed" "$(dkms status -m cokernel -v "$version" -k "$(uname -r)" | sed 's/.*: //')" "installed"
check "modprobe cokernel" modprobe cokernel
check_eq "the module is DKMS's" "$(modinfo -n cokernel)" "/lib/modules/$(uname -r)/updates/dkms/cokernel.ko.xz"
check_eq "the module is loaded" "$(grep -c '^cokernel ' /proc/modules)" "1"
check_eq "the command is the package's" "$(command -v cokernel)" "/usr/bin/cokernel"
check_eq "cokernel --version" "$(cokernel --version | awk '{print $2}')" "$version"
check_eq "nine man pages: cokernel(8) and one per command" "$(dpkg -L cokernel | grep -c '^/usr/share/man/man8/cokernel.*\.8\.gz$')" "9"
check_eq "bash completion for cokernel" \
    "$(bash -c '. /usr/share/bash-completion/completions/cokernel; complete -p cokernel')" "complete -F _cokernel cokernel"
check_eq "pkg-config finds cray-xpmem" "$(pkg-config --modversion cray-xpmem)" "$version"
check_eq "libxemem.so.1 in the linker cache" "$(ldconfig -p | grep -c 'libxemem\.so\.1 ')" "1"

# The demo from the installed paths: the default image is /usr/lib/cokernel/cokernel.elf.
check "create an enclave with the installed image" cokernel create --ncpus 1 --mem 256M
id=$(printf '%s\n' "$out" | tail -n1)
cokernel run --enclave "$id" /root/hello_static one >/root/job.out 2>&1
check_eq "a static job runs and exits 42" "$?" "42"
check_eq "the job's output" "$(sed 's/envc=[0-9]*/envc=N/' /root/job.out)" "hello from /root/hello_static: argc=2 envc=N tls=42 pagesz=4096
argv[1]=one"
check "destroy the enclave" cokernel destroy "$id"
check "unload the module" modprobe -r cokernel

# Remove: nothing of ours is left.
check "dpkg --purge the five packages" dpkg --purge $pkgs
check_eq "no package left" "$(installed)" "0"
check_eq "no dpkg file list left" "$(lists)" "0"
check_eq "no /usr/lib/cokernel, /usr/src/cokernel-*, /var/lib/dkms/cokernel, command" \
    "$(ls -d /usr/lib/cokernel /usr/src/cokernel-* /var/lib/dkms/cokernel /usr/bin/cokernel 2>/dev/null | wc -l)" "0"
check_eq "no cokernel.ko under /lib/modules" "$(kofiles)" "0"
check_eq "the module is not loaded" "$(grep -c '^cokernel ' /proc/modules)" "0"
check_dmesg_clean
finish

# Sourced by scripts/vm for --rootfs debian: a small busybox initramfs that loads the kernel's virtio-blk and ext4
# modules (from the host's /lib/modules/<release>), mounts the Debian image (scripts/vm-rootfs) and copies
# into it what this boot adds (the build tree's module, command and image unless --bare, --add files, the
# commands), then switches to it and runs our init there (no systemd). Reads kver ko launcher image adds cmds
# have_cmds bare; sets stage and debian_img and writes $stage.cpio.
debian_img=$("$repo/scripts/vm-rootfs") || die "no Debian root file system (scripts/vm-rootfs failed)"
[ -f "$debian_img" ] || die "scripts/vm-rootfs printed '$debian_img', which is not a file"
stage=$(mktemp -d /tmp/cokernel-vm.XXXXXX)
trap 'rm -rf "$stage" "$stage.cpio"' EXIT
mkdir -p "$stage"/{bin,proc,sys,dev,newroot,modules,payload/.vm,payload/root}
cp /bin/busybox "$stage/bin/busybox"
for app in $(/bin/busybox --list); do
    [ -e "$stage/bin/$app" ] || ln -s busybox "$stage/bin/$app"
done
# The modules in load order, decompressed (busybox insmod reads plain ELF); built-in ones print no insmod line.
n=0
for m in $(for want in virtio_pci virtio_blk ext4; do modprobe -S "$kver" --show-depends "$want"; done |
    awk '$1 == "insmod" && !seen[$2]++ {print $2}'); do
    n=$((n + 1))
    out=$stage/modules/$(printf %02d $n)-$(basename "${m%.xz}")
    case "$m" in *.xz) xz -dc "$m" >"$out" ;; *) cp "$m" "$out" ;; esac
done
[ $n -gt 0 ] || die "no virtio-blk/ext4 modules of $kver in /lib/modules/$kver (install linux-image-$kver)"
# Guest paths under /bin, /sbin, /lib: Debian 12 merged them into /usr (links), which a copy must not replace.
guest_path() {
    case "$1" in /bin/* | /sbin/* | /lib/* | /lib64/*) echo "/usr$1" ;; *) echo "$1" ;; esac
}
payload=$stage/payload
if [ "$bare" -eq 0 ]; then
    mkdir -p "$payload/usr/lib/modules/$kver/extra" "$payload/usr/bin" "$payload/usr/lib/cokernel"
    cp "$ko" "$payload/usr/lib/modules/$kver/extra/cokernel.ko"
    cp "$launcher" "$payload/usr/bin/cokernel"
    cp "$image" "$payload/usr/lib/cokernel/cokernel.elf"
fi
for spec in ${adds[@]+"${adds[@]}"}; do
    host=${spec%%:*}
    guest=/root/$(basename "$host")
    [ "$spec" != "$host" ] && guest=${spec#*:}
    [ -e "$host" ] || die "--add: no such file '$host'"
    guest=$(guest_path "$guest")
    mkdir -p "$payload$(dirname "$guest")"
    cp -p "$host" "$payload$guest"
done
cp /bin/busybox "$payload/.vm/busybox"
[ $have_cmds -eq 1 ] && printf '%s\n' "$cmds" >"$payload/.vm/cmd.sh"
cat >"$stage/init" <<'INIT'
#!/bin/sh
# Fails with the markers scripts/vm reads, so that a broken boot is an error message and exit 125.
fail() {
    echo "@@COKERNEL-VM-START@@"
    echo "scripts/vm (initramfs): $*"
    echo "@@COKERNEL-VM-EXIT 125@@"
    poweroff -f
}
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in /modules/*.ko; do insmod "$m" 2>/dev/null; done
for i in $(seq 100); do [ -b /dev/vda ] && break; sleep 0.1; done
[ -b /dev/vda ] || fail "no /dev/vda: the virtio-blk driver did not find the Debian image"
mount -t ext4 /dev/vda /newroot || fail "cannot mount the Debian image /dev/vda"
cp -a /payload/. /newroot/ || fail "cannot copy this boot's files into the Debian image"
umount /proc /sys /dev
exec switch_root /newroot /.vm/init
INIT
chmod +x "$stage/init"
cat >"$payload/.vm/init" <<'INIT'
#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
# What udev would add: dkms (and bash's <(...)) need /dev/fd.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
hostname cokernel-vm
[ -f "/usr/lib/modules/$(uname -r)/extra/cokernel.ko" ] && depmod -a
cd /root
if [ -f /.vm/cmd.sh ]; then
    echo "@@COKERNEL-VM-START@@"
    /bin/sh /.vm/cmd.sh </dev/null
    rc=$?
    echo "@@COKERNEL-VM-EXIT $rc@@"
    /.vm/busybox poweroff -f
fi
echo "cokernel test VM (Debian 12): 'modprobe cokernel', then 'cokernel --help'. 'exit' to leave."
setsid /.vm/busybox cttyhack /bin/bash -l
/.vm/busybox poweroff -f
INIT
chmod +x "$payload/.vm/init"
(cd "$stage" && find . | cpio -o -H newc --quiet) >"$stage.cpio"

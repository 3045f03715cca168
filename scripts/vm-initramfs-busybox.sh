# Sourced by scripts/vm: the busybox initramfs (the default --rootfs), holding the module, the cokernel command,
# the image, the shared libraries of the dynamic programs it carries, --add files and the commands to run.
# Reads kver ko launcher image adds cmds have_cmds; sets stage and writes $stage.cpio.
stage=$(mktemp -d /tmp/cokernel-vm.XXXXXX)
chmod 755 "$stage" # the guest root directory: every user must be able to traverse it
cleanup() { rm -rf "$stage"; }
trap cleanup EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,usr/lib/cokernel,proc,sys,dev,tmp,root,etc,run,var}
cp /bin/busybox "$stage/bin/busybox"
for app in $(/bin/busybox --list); do
    [ -e "$stage/bin/$app" ] || ln -s busybox "$stage/bin/$app"
done
mkdir -p "$stage/lib/modules/$kver/extra"
cp "$ko" "$stage/lib/modules/$kver/extra/cokernel.ko"
echo "extra/cokernel.ko:" >"$stage/lib/modules/$kver/modules.dep"
cp "$launcher" "$stage/usr/bin/cokernel"
cp "$image" "$stage/usr/lib/cokernel/cokernel.elf"
# Shared libraries of every dynamic program we ship, at their host paths.
copy_libs() {
    local libs
    libs=$(ldd "$1" 2>/dev/null | grep -oE '/[^ ]+' || true) # not dynamic: nothing to copy
    for lib in $libs; do
        [ -e "$stage$lib" ] && continue
        [ -e "$lib" ] || continue # an interpreter or library the host lacks (a test of that very case)
        mkdir -p "$stage$(dirname "$lib")"
        cp -L "$lib" "$stage$lib"
    done
}
copy_libs "$launcher"
for spec in ${adds[@]+"${adds[@]}"}; do
    host=${spec%%:*}
    guest=/root/$(basename "$host")
    [ "$spec" != "$host" ] && guest=${spec#*:}
    [ -e "$host" ] || die "--add: no such file '$host'"
    mkdir -p "$stage$(dirname "$guest")"
    cp -p "$host" "$stage$guest"
    if [ -f "$host" ] && [ -x "$host" ]; then copy_libs "$host"; fi
done
echo "root:x:0:0:root:/root:/bin/sh" >"$stage/etc/passwd"
echo "nobody:x:65534:65534:nobody:/nonexistent:/bin/sh" >>"$stage/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$stage/etc/group"
if [ $have_cmds -eq 1 ]; then
    printf '%s\n' "$cmds" >"$stage/cmd.sh"
fi
cat >"$stage/init" <<'EOF'
#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
hostname cokernel-vm
cd /root
if [ -f /cmd.sh ]; then
    echo "@@COKERNEL-VM-START@@"
    /bin/sh /cmd.sh </dev/null
    rc=$?
    echo "@@COKERNEL-VM-EXIT $rc@@"
    poweroff -f
fi
echo "cokernel test VM: 'modprobe cokernel', then 'cokernel --help'. 'poweroff' to leave."
setsid cttyhack /bin/sh -l
poweroff -f
EOF
chmod +x "$stage/init"
(cd "$stage" && find . | cpio -o -H newc --quiet) >"$stage.cpio"
trap 'rm -rf "$stage" "$stage.cpio"' EXIT

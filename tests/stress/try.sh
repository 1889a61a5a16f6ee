#!/bin/bash
# Build gmem_stress statically, pack it into a busybox initramfs and boot a
# kernel with intel-iommu under TCG; /init runs "gmem_stress SECONDS".
# Usage: try.sh [BZIMAGE [OUTDIR [SECONDS]]]
#   BZIMAGE  default: the path in /tmp/kernel-part2-ready, else the test build
#   OUTDIR   default /tmp/gmem-stress; the serial log is OUTDIR/console.log
#   SECONDS  default 20
# Exits 0 only if the program passed and the log has no kernel splat.
set -euo pipefail
top=$(realpath "$(dirname "$0")/../..")
kbuild=$top/.cache/build/test
if [ $# -ge 1 ]; then
	bzimage=$1
elif [ -s /tmp/kernel-part2-ready ]; then
	bzimage=$(head -n 1 /tmp/kernel-part2-ready)
else
	bzimage=$kbuild/arch/x86/boot/bzImage
fi
out=$(realpath -m "${2:-/tmp/gmem-stress}")
seconds=${3:-20}
mkdir -p "$out"

gcc -static -O2 -Wall -Wextra -Werror -pthread -I "$kbuild/usr/include" \
	-I "$top/linux/drivers/iommu/iommufd" \
	-o "$out/gmem_stress" "$top/tests/stress/gmem_stress.c"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys}
cp /bin/busybox "$root/bin/busybox"
cp "$out/gmem_stress" "$root/"
cat > "$root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
# Each mock domain logs at KERN_INFO; keep warnings and worse on the console.
dmesg -n 5
echo "### gmem_stress"
/gmem_stress $seconds
echo "### gmem_stress rc=\$?"
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) \
	> "$out/initramfs.cpio.gz"

echo "booting $bzimage"
rm -f "$out/console.log"
timeout 300 qemu-system-x86_64 -M q35 -accel tcg -cpu max -smp 2 -m 2G \
	-display none -monitor none -no-reboot \
	-device intel-iommu -device edu \
	-kernel "$bzimage" \
	-initrd "$out/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 intel_iommu=on" \
	-serial "file:$out/console.log" </dev/null || echo "qemu: exit $?"
tr -d '\r' < "$out/console.log" > "$out/console.txt"
sed -n '/^### gmem_stress$/,$p' "$out/console.txt"
rc=0
if grep -E 'BUG:|WARNING:|lockdep|KASAN|Call Trace|Oops|INFO: task|Kernel panic' "$out/console.txt"; then
	echo "### kernel splat in $out/console.txt"
	rc=1
fi
grep -qx '### gmem_stress rc=0' "$out/console.txt" || rc=1
exit $rc

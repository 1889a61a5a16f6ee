#!/bin/bash
# Throwaway: build gmem_edu_dma and gmem_demo statically, pack them into a
# busybox initramfs and boot the test kernel with intel-iommu and edu.
# Usage: [KERNEL=bzImage] try.sh [OUTDIR]   (default kernel: the test build's;
# default OUTDIR /tmp/gmem-e2e; the serial log is OUTDIR/console.log)
set -euo pipefail
top=$(realpath "$(dirname "$0")/../..")
kbuild=$top/.cache/build/test
out=$(realpath -m "${1:-/tmp/gmem-e2e}")
kernel=${KERNEL:-$kbuild/arch/x86/boot/bzImage}
mkdir -p "$out"

cflags="-static -O2 -Wall -I $kbuild/usr/include"
gcc $cflags -o "$out/gmem_edu_dma" "$top/tests/e2e/gmem_edu_dma.c"
gcc $cflags -o "$out/gmem_demo" "$top/tools/demo/gmem_demo.c"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys}
cp /bin/busybox "$root/bin/busybox"
cp "$out/gmem_edu_dma" "$out/gmem_demo" "$root/"
cat > "$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
# Keep kernel messages off the console so the programs' output reads well.
dmesg -n 1
echo "### gmem_edu_dma"
/gmem_edu_dma
echo "### gmem_edu_dma rc=$?"
# The DMAR fault messages are rate limited (10 per 5 s).
sleep 5
echo "### gmem_demo"
/gmem_demo
echo "### gmem_demo rc=$?"
echo "### dmesg tail"
dmesg | tail -n 25
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out/initramfs.cpio.gz"

rm -f "$out/console.log"
timeout 300 qemu-system-x86_64 -M q35 -accel tcg -cpu max -smp 2 -m 2G \
	-display none -monitor none -no-reboot \
	-device intel-iommu -device edu \
	-kernel "$kernel" \
	-initrd "$out/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 intel_iommu=on" \
	-serial "file:$out/console.log" </dev/null || echo "qemu: exit $?"
tr -d '\r' < "$out/console.log" | sed -n '/^### gmem_edu_dma$/,$p'

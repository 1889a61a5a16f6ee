#!/bin/bash
# Install what building and testing need, from Debian's registry only.
# Runs as root on Debian 12; a no-op when everything is present.
set -euo pipefail

pkgs=(make gcc libc6-dev bc bison flex libelf-dev libssl-dev cpio xz-utils
      kmod git ccache python3 perl qemu-system-x86 busybox-static libcap-dev
      codespell debian-archive-keyring ca-certificates rsync)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "setup: missing packages: ${missing[*]}; run as root or install them" >&2
	exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null

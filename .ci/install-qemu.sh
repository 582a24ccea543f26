#!/usr/bin/env bash
# Installs the two QEMU releases the live tests run against, on Debian bookworm:
#   - QEMU 10.0.2 from bookworm-backports, installed system-wide (qemu-system-x86_64,
#     qemu-system-aarch64 and the other ARM emulators, qemu-storage-daemon, qemu-ga, qemu-img);
#   - QEMU 7.2 from bookworm, unpacked side by side into $QEMU72_DIR (default /opt/qemu-7.2)
#     with `apt-get download` + `dpkg -x`, so both releases are available at once.
# The backports source is derived from the machine's own debian.sources (only `Suites:` changes),
# so no host name is written here. Safe to run more than once.
set -euo pipefail

QEMU72_DIR=${QEMU72_DIR:-/opt/qemu-7.2}
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

src=/etc/apt/sources.list.d/debian.sources
bpo=/etc/apt/sources.list.d/bookworm-backports.sources
if [ ! -f "$bpo" ]; then
  # Keep the first stanza (the main archive, not -security) and point it at bookworm-backports.
  awk 'BEGIN{RS=""; ORS="\n\n"} NR==1' "$src" \
    | sed -E 's/^Suites:.*/Suites: bookworm-backports/' | $SUDO tee "$bpo" >/dev/null
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq -t bookworm-backports \
  qemu-system-x86 qemu-system-arm qemu-system-common qemu-system-data qemu-system-gui- \
  qemu-utils qemu-block-extra qemu-guest-agent >/dev/null

if [ ! -f "$QEMU72_DIR/usr/share/seabios/bios-256k.bin" ]; then
  work=$(mktemp -d)
  (
    cd "$work"
    # Only the packages that hold binaries, data and firmware (SeaBIOS, iPXE ROMs);
    # shared libraries come from the system.
    apt-get download -qq -o APT::Sandbox::User=root \
      qemu-system-x86/bookworm qemu-system-common/bookworm qemu-system-data/bookworm \
      qemu-utils/bookworm qemu-guest-agent/bookworm seabios/bookworm ipxe-qemu/bookworm
    $SUDO mkdir -p "$QEMU72_DIR"
    for deb in ./*.deb; do $SUDO dpkg -x "$deb" "$QEMU72_DIR"; done
  )
  rm -rf "$work"
fi

# The ARM emulators of 7.2, added to the same tree. `-machine none` (all the tests and
# `qmp-codegen capture` use) needs no firmware; their libraries are those of the 10.0.2 install.
if [ ! -x "$QEMU72_DIR/usr/bin/qemu-system-aarch64" ]; then
  work=$(mktemp -d)
  (
    cd "$work"
    apt-get download -qq -o APT::Sandbox::User=root qemu-system-arm/bookworm
    $SUDO mkdir -p "$QEMU72_DIR"
    for deb in ./*.deb; do $SUDO dpkg -x "$deb" "$QEMU72_DIR"; done
  )
  rm -rf "$work"
fi

"$QEMU72_DIR/usr/bin/qemu-system-x86_64" --version | head -n1
qemu-system-x86_64 --version | head -n1
"$QEMU72_DIR/usr/bin/qemu-system-aarch64" --version | head -n1
qemu-system-aarch64 --version | head -n1

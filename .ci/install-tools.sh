#!/usr/bin/env bash
# Installs the tools the tests need besides QEMU, on Debian bookworm:
#   - tmux: the qmp-shell terminal tests (shell/tests/terminal.rs) drive the shell in it.
# Safe to run more than once.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

if ! command -v tmux >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq tmux >/dev/null
fi
tmux -V

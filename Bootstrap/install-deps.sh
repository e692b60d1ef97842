#!/usr/bin/env bash
# Installs the Debian packages Ciro node builds against (libsodium, libzmq, LMDB, pkg-config).
# Idempotent: does nothing when they are all present. Works as root, or as a user with sudo.
set -euo pipefail

packages=(libsodium-dev libzmq3-dev liblmdb-dev pkg-config)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps: ${packages[*]} already installed"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    run() { "$@"; }
elif command -v sudo >/dev/null 2>&1; then
    run() { sudo "$@"; }
else
    echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
run apt-get update
run apt-get install -y "${missing[@]}"

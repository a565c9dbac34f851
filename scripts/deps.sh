#!/usr/bin/env bash
# Installs what membio's build, tests and demo need and the machine lacks:
# the OpenSSL development files, pkg-config, python3, the openssl and
# GnuTLS command-line tools. Quiet and quick when everything is there.
set -euo pipefail

missing=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }

have_cmd pkg-config || missing+=(pkg-config)
if ! have_cmd pkg-config || ! pkg-config --exists libssl libcrypto 2>/dev/null; then
	missing+=(libssl-dev)
fi
have_cmd cc || missing+=(gcc libc6-dev)
have_cmd python3 || missing+=(python3)
have_cmd openssl || missing+=(openssl)
{ have_cmd gnutls-cli && have_cmd gnutls-serv; } || missing+=(gnutls-bin)
have_cmd taskset || missing+=(util-linux)

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "membio needs these Debian packages: ${missing[*]}" >&2
	echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi

echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# scripts/deps.sh [EXTRA...] - installs the Debian 12 packages intyg needs to build,
# test and run, but only those that are missing. Idempotent; needs root
# (or sudo) only when something must be installed.
set -euo pipefail

pkgs=(build-essential cmake pkg-config libssl-dev zlib1g-dev libnng-dev
	librocksdb-dev libmsgpack-dev libcbor-dev libjansson-dev libinih-dev
	libcmocka-dev libyaml-dev clang-format ca-certificates "$@")
# libcurl: the verifier client library (client/, libintyg-client).
pkgs+=(libcurl4-openssl-dev)
# systemd: systemd-analyze checks the package's service (tests/package).
pkgs+=(systemd)
# zbar: the QR codes in camera frames of the verification page (api/scan.c);
# libqrencode: the tests' QR codes of certificates (tests/integration/vpage,
# built with the tests).
pkgs+=(libzbar-dev libqrencode-dev)

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# Packages installed for the tests (nginx, prometheus) must not start
# their services (a stray nginx on port 80): policy-rc.d says no while
# apt runs, unless the machine has one of its own.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e $policy ]; then
	printf '#!/bin/sh\nexit 101\n' | $sudo tee $policy >/dev/null
	$sudo chmod 755 $policy
	own_policy=1
	trap '[ $own_policy = 1 ] && $sudo rm -f $policy' EXIT
fi
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"

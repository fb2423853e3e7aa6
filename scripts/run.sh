#!/usr/bin/env bash
# scripts/run.sh [demo options] - the main job: installs what is missing,
# builds intyg and runs `intyg demo`: a local federation of 3 nodes (each
# its own process, its own RocksDB store, mutual TLS between them) with
# sample issuers and revocations published at one node, replicated by
# gossip and verified at another. It runs until Ctrl-C; pass --exit to
# stop after the demo. Work files go to ./work/demo (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh build/release
# Put intyg on PATH: installed into /usr/local when we may write there
# (root on a fresh machine), otherwise the line to type.
if [ -w /usr/local/bin ] && [ -w /usr/local/share ]; then
	cmake --install build/release --prefix /usr/local >/dev/null
	echo "run: installed intyg in /usr/local (intyg --help, man intyg)"
else
	echo "run: to type 'intyg': export PATH=\"$PWD/build/release/cli:\$PATH\""
fi
exec build/release/cli/intyg demo "$@"

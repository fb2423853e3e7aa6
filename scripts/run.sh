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
exec build/release/node/intyg demo "$@"

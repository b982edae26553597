#!/usr/bin/env bash
# The large sync fault run: 20 field stores x 500 captures (photos of 50 KB plus the
# fixture), pushed and uploaded at once (8 KB chunks) through the faulty proxy, whose link
# drops on average every 164 KB either way (about 10 % of 16 KB transfers cut), to a real
# `crackmon serve`, which is SIGKILLed and restarted 5 times (once during the push, then
# spread over the photo uploads). Then every capture,
# outbox entry and photo must be in the central store exactly once, every blob must hash to
# its name, and photo bytes sent must stay within 1.1x of those needed. The CI version is
# the same test at 3 x 6 (Tests/SyncTests/FaultTests.swift).
# Usage: tools/sync-faults.sh [DEVICES] [PHOTOS] [KILLS]
set -euo pipefail
cd "$(dirname "$0")/.."
export CRACKMON_FAULT_DEVICES=${1:-20} CRACKMON_FAULT_PHOTOS=${2:-500} CRACKMON_FAULT_KILLS=${3:-5}
export CRACKMON_FAULT_DROP=0.1 CRACKMON_FAULT_PHOTO_BYTES=50000
swift test --disable-xctest --filter FaultTests 2>&1 | grep -E "fault run|passed|failed|recorded an issue"

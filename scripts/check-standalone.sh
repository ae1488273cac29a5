#!/usr/bin/env bash
# Proves the repository stands alone: a clone of HEAD in a fresh folder with nothing beside it runs the
# tests that read the iCalendar corpus (test/fixtures/ics) and test/repo/standalone.test.ts (no file points above the root).
# Only committed files are in the clone. node_modules is borrowed from this checkout (a symlink), so run
# `npm ci` (or `npm install`) first.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
echo "check-standalone: a clone of $(git -C "$here" rev-parse --short HEAD) with nothing beside it runs the iCalendar corpus tests and the standalone check"

if [ ! -d "$here/node_modules" ]; then
	echo "check-standalone: $here/node_modules is missing; run npm ci first" >&2
	exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
git clone -q "$here" "$tmp/slotline"
ln -s "$here/node_modules" "$tmp/slotline/node_modules"
cd "$tmp/slotline"
# One vitest run (one sandbox and Radicale): the file filters pick the corpus tests from the worker project.
npx vitest run --project worker --project repo \
	test/icalendar-fixtures.test.ts test/inbound/caldav.test.ts test/fuzz/icalendar.test.ts test/repo/standalone.test.ts

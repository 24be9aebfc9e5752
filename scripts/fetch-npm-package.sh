#!/usr/bin/env bash
# Fetches an npm package (NAME@VERSION) into the Monet-J cache ($MONET_CACHE, else ~/.cache/monet-j),
# unpacks it, and prints the unpacked directory. Idempotent: a package already there is not fetched again.
set -euo pipefail
if [[ $# -ne 1 ]]; then echo "usage: $0 NAME@VERSION" >&2; exit 2; fi
spec="$1"
cache="${MONET_CACHE:-$HOME/.cache/monet-j}/npm"
dir="$cache/$(printf '%s' "$spec" | tr '/@' '__')"
if [[ -f "$dir/package/package.json" ]]; then echo "$dir/package"; exit 0; fi
command -v npm >/dev/null || { echo "$0: npm is not installed (Debian: apt-get install npm)" >&2; exit 1; }
mkdir -p "$cache"
tmp="$(mktemp -d "$cache/.fetch.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$spec" >/dev/null) || { echo "$0: npm could not fetch $spec" >&2; exit 1; }
tar -xzf "$tmp"/*.tgz -C "$tmp"
rm -f "$tmp"/*.tgz
# Rename into place in one step, so a concurrent or interrupted run never sees half a package.
mv -T "$tmp" "$dir" 2>/dev/null || [[ -f "$dir/package/package.json" ]]
trap - EXIT
rm -rf "$tmp"
echo "$dir/package"

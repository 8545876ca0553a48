#!/usr/bin/env bash
# Debian packages the test suite uses: chromium (browser tests), espeak-ng (speech synthesised for
# the speech-to-text test). Installed when missing and we are root; otherwise the tests that need
# them skip with a loud reason.
set -u
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: cannot install ${need[*]} (not root or no apt-get); the tests that need them will skip" >&2
  exit 0
fi
echo "system-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq "${need[@]}" >/dev/null \
  || echo "system-deps: apt-get install ${need[*]} failed; the tests that need them will skip" >&2
exit 0

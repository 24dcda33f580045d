#!/bin/sh
# deps.sh - installs the Debian packages ombud needs, when any is missing.
# Runs apt-get only when something is absent, so a ready machine pays nothing.
# The web workbench (web/) needs Node.js and npm to build, and its end-to-end
# tests drive Debian's Chromium (fonts-noto-cjk draws its Chinese).
set -eu
PKGS="build-essential pkg-config libmicrohttpd-dev libsqlite3-dev sqlite3 libjansson-dev
      libsodium-dev libjemalloc-dev libpcre2-dev libcurl4-openssl-dev libcmocka-dev wrk curl python3 python3-yaml ca-certificates clang-format
      nginx openssl clang libclang-rt-14-dev nodejs chromium fonts-noto-cjk"
missing=""
# A Node.js that bundles npm (NodeSource's) conflicts with Debian's npm
# package: ask for that package only when there is no npm command.
command -v npm >/dev/null 2>&1 || missing=" npm"
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "deps: not root; install these packages first:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Packages such as nginx start a system service when installed; ombud only runs
# them from its tests, on loopback ports, so no service is started here.
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && made_policy=1
fi
status=0
apt-get update -qq || status=$?
# shellcheck disable=SC2086
[ "$status" -ne 0 ] || apt-get install -y -qq --no-install-recommends $missing >/dev/null || status=$?
[ -z "$made_policy" ] || rm -f "$policy"
exit "$status"

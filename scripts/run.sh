#!/bin/sh
# run.sh - `make run`: a database with demo data on first start, then the server,
# which serves the web workbench built into build/web (scripts/web.sh) at /.
# OMBUD_LISTEN (default 127.0.0.1:8080) and OMBUD_VAR (default var) may be set.
set -eu
B=build/release/ombud
VAR=${OMBUD_VAR:-var}
LISTEN=${OMBUD_LISTEN:-127.0.0.1:8080}
mkdir -p "$VAR"
opts="--db $VAR/ombud.db --set attachments=$VAR/attachments"
WEB=build/web
[ -f "$WEB/index.html" ] || {
    echo "make run: no $WEB/index.html; build the workbench with make web" >&2
    exit 1
}
if [ ! -f "$VAR/ombud.db" ]; then
    echo "Creating $VAR/ombud.db with demo data (a bank, a consumer-finance company, a platform)..."
    # shellcheck disable=SC2086
    if ! $B $opts init --admin-password ombud-operator-2026 > "$VAR/init.txt" ||
        ! $B $opts demo --logins "$VAR/demo-logins.txt"; then
        rm -rf "$VAR/ombud.db" "$VAR/ombud.db-wal" "$VAR/ombud.db-shm" "$VAR/attachments"
        echo "make run: loading the demo data failed" >&2
        exit 1
    fi
fi
echo
echo "Workbench:  http://$LISTEN/   (sign in as one of the demo users below)"
echo "ombud API:  http://$LISTEN/v1/   (health: http://$LISTEN/v1/health)"
echo "Operator admin: username admin, password ombud-operator-2026"
cat "$VAR/demo-logins.txt"
echo
echo "Try:  curl -H 'Authorization: Bearer <token>' http://$LISTEN/v1/complaints?limit=5"
echo "Stop with Ctrl-C."
# shellcheck disable=SC2086
exec $B $opts --set web_root="$WEB" --listen "$LISTEN" serve

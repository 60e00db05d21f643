#!/usr/bin/env bash
# The README's first command, as typed: `make run` must build the demo and serve the home page.
# Run by `make test`; stops the server it started, whatever happens.
set -euo pipefail
port=${SMOKE_PORT:-5097}
log=$(mktemp)
setsid make run PORT="$port" >"$log" 2>&1 &
server=$!
trap 'kill -- -$server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 300); do
  if curl -fsS "http://127.0.0.1:$port/" -o /dev/null 2>/dev/null; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then cat "$log"; echo "smoke: make run stopped"; exit 1; fi
  sleep 1
done
home=$(curl -fsS "http://127.0.0.1:$port/")
login=$(curl -fsS "http://127.0.0.1:$port/auth/login")
grep -q "Une Voix" <<<"$home" || { echo "smoke: no home page"; exit 1; }
grep -q 'name="email"' <<<"$login" || { echo "smoke: no sign-in form"; exit 1; }
curl -fsS "http://127.0.0.1:$port/dev/outbox" -o /dev/null || { echo "smoke: no demo outbox"; exit 1; }
echo "smoke: make run serves the home page, the sign-in form and the demo outbox on port $port"

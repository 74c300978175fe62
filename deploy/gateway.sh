#!/usr/bin/env bash
# Entry point of docker-compose's gateway service: the slim runlaw-producers-app.jar, bearer tokens from the
# mounted token file. On first start (no token file yet) it writes one random token there, so the gateway never
# runs open: read it with `cat deploy/gateway/tokens` on the host, add more (one per line, >= 16 characters,
# # comments), and `docker compose restart gateway` to rotate. Extra tokens may also come from RUNLAW_GATEWAY_TOKENS.
set -euo pipefail
TOKENS=/etc/runlaw/gateway/tokens
if [ ! -s "$TOKENS" ]; then
  umask 077
  printf '# runlaw gateway bearer tokens, one per line (generated %s)\n%s\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$TOKENS"
  echo "runlaw gateway: generated a bearer token in deploy/gateway/tokens" >&2
fi
exec java ${JAVA_OPTS:-} -jar /runlaw/app/runlaw-producers-app.jar gateway \
  --host 0.0.0.0 --port 8088 --bootstrap.servers "${BOOTSTRAP:-kafka:9092}" --token-file "$TOKENS" "$@"

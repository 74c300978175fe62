#!/usr/bin/env bash
# Installs the real servers the *IT tests start themselves (see shared design notes):
#   - Debian's clickhouse-server/clickhouse-client (18.16 here), run as a private instance by LocalClickHouse;
#   - libchdb.so (ClickHouse 26.7 in-process) from npm, used by SqlDialectIT to check our SQL on a current engine;
#   - python3 >= 3.8 (standard library only) for the Python client tests (GatewayKafkaDownIT, PythonClientIT);
#   - Debian's python3-torch (PyTorch 1.13 for /usr/bin/python3) for the example trainer (TorchTrainerIT).
# Idempotent: each step checks first and says what it does. The library (~566 MB) lives outside the repo.
set -euo pipefail

CHDB_PKG="@chdb/lib-linux-x64-gnu@26.7.3-stable.1"
CHDB_DIR="${HOME}/.cache/runlaw/chdb"

say() { printf 'install-deps: %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    say "need root for: $*"; exit 1; fi
}

if [ -x /usr/sbin/clickhouse-server ] || command -v clickhouse-server >/dev/null 2>&1; then
  say "clickhouse-server present: $(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)"
else
  say "installing clickhouse-server clickhouse-client with apt-get"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q clickhouse-server clickhouse-client
fi

if command -v python3 >/dev/null 2>&1 && python3 -c 'import sys; sys.exit(sys.version_info < (3, 8))'; then
  say "python3 present: $(command -v python3) ($(python3 --version 2>&1))"
else
  say "installing python3 (>= 3.8) with apt-get for the Python client tests"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3
fi

if [ -s "${CHDB_DIR}/libchdb.so" ]; then
  say "libchdb.so present: ${CHDB_DIR}/libchdb.so"
else
  command -v npm >/dev/null 2>&1 || { say "npm is needed to fetch ${CHDB_PKG} (apt-get install -y npm)"; exit 1; }
  tmp="$(mktemp -d)"
  trap 'rm -rf "${tmp}"' EXIT
  say "fetching ${CHDB_PKG} with npm pack into ${tmp}"
  (cd "${tmp}" && npm pack --silent "${CHDB_PKG}" >/dev/null)
  tarball="$(ls "${tmp}"/*.tgz)"
  say "extracting ${tarball}"
  tar -xzf "${tarball}" -C "${tmp}"
  lib="$(find "${tmp}" -name libchdb.so -type f | head -n 1)"
  [ -n "${lib}" ] || { say "no libchdb.so inside ${tarball}"; exit 1; }
  mkdir -p "${CHDB_DIR}"
  # Copy to a temp name first so an interrupted run never leaves a truncated library behind.
  cp "${lib}" "${CHDB_DIR}/libchdb.so.part"
  mv "${CHDB_DIR}/libchdb.so.part" "${CHDB_DIR}/libchdb.so"
  say "installed ${CHDB_DIR}/libchdb.so ($(du -h "${CHDB_DIR}/libchdb.so" | cut -f1))"
fi

# The forecast-fit benchmark's baseline (and its IT) runs SciPy's L-BFGS-B; Debian's python3-scipy serves
# /usr/bin/python3 when the python3 on the PATH (e.g. pyenv's) has no scipy.
if python3 -c 'import numpy, scipy' >/dev/null 2>&1 || /usr/bin/python3 -c 'import numpy, scipy' >/dev/null 2>&1; then
  say "python3 with numpy and scipy present"
else
  say "installing python3-scipy with apt-get"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-scipy
fi

# ReportIT opens the HTML reports of ./runlaw report in a real browser: Debian's chromium, run headless.
if command -v chromium >/dev/null 2>&1; then
  say "chromium present: $(command -v chromium)"
else
  say "installing chromium with apt-get (headless browser for ReportIT)"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
fi

# The example PyTorch trainer (producers/python/examples/train_tiny_moe.py, TorchTrainerIT, ./runlaw demo --trainer
# torch) runs on Debian's python3-torch, which serves /usr/bin/python3 even when the python3 on the PATH has no torch.
if python3 -c 'import torch' >/dev/null 2>&1 || /usr/bin/python3 -c 'import torch' >/dev/null 2>&1; then
  say "python3 with torch present"
else
  say "installing python3-torch with apt-get (PyTorch for /usr/bin/python3)"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-torch
fi

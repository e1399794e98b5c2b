#!/usr/bin/env bash
# Installs what the platform needs on a fresh Debian machine; quick no-op when all is there.
#   Debian: PostgreSQL, Redis, Java 17 + Maven (Kafka), Node/npm (buf), Chromium (the KDS browser test)
#   .venv: every service, the chassis, devstack and test tools (pip, editable)
#   generated protobuf package, buf CLI (npm), grpcurl (Go module proxy, when Go is present),
#   Kafka jars from Maven Central, promtool + prometheus (Debian's prometheus package, binaries only)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-python3}

say() { printf '[bootstrap] %s\n' "$*"; }

# --- Debian packages --------------------------------------------------------------------------
missing=()
command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
command -v npm >/dev/null || missing+=(npm)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
# The kitchen display's browser test (tests/e2e/test_kds_screen.py) drives Debian's Chromium with Playwright.
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run: sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d keeps apt from starting system-wide postgres/redis services: we run our own.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Python virtualenv --------------------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.requirements.sha
want=$(cat requirements-dev.txt libs/*/pyproject.toml services/*/pyproject.toml tools/devstack/pyproject.toml tools/posfakes/pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing Python packages"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -r requirements-dev.txt
  # Generated code first: the services import it.
  .venv/bin/python libs/contracts/generate.py
  .venv/bin/pip install -q -e libs/chassis -e libs/contracts -e tools/devstack -e tools/posfakes \
    $(for s in services/*/; do printf -- '-e %s ' "$s"; done)
  echo "$want" > "$stamp"
fi

# --- generated protobuf code --------------------------------------------------------------------
if [ ! -d libs/contracts/src/auraconnect ] || [ -n "$(find protos -name '*.proto' -newer libs/contracts/src/auraconnect 2>/dev/null | head -1)" ]; then
  .venv/bin/python libs/contracts/generate.py
fi

# --- buf (proto lint / breaking-change check), from the npm registry -----------------------------
if [ ! -x .tools/node_modules/.bin/buf ]; then
  say "installing buf"
  npm install --silent --no-audit --no-fund --prefix .tools @bufbuild/buf@1.75.0 >/dev/null
fi

# --- grpcurl (the README's gRPC examples and their e2e test), from the Go module proxy --------------
# Optional: without Go the e2e test of the documented grpcurl command is skipped, saying why.
GRPCURL_VERSION=v1.9.4
if [ "$(cat .tools/grpcurl.version 2>/dev/null)" != "$GRPCURL_VERSION" ] || [ ! -x .tools/bin/grpcurl ]; then
  if command -v go >/dev/null; then
    say "installing grpcurl $GRPCURL_VERSION into .tools/bin"
    if GOBIN="$ROOT/.tools/bin" go install "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION"; then
      echo "$GRPCURL_VERSION" > .tools/grpcurl.version
    else
      say "grpcurl install failed (offline?): continuing without it"
    fi
  else
    say "go not found: grpcurl not installed (install Go, or grpcurl itself, for the gRPC examples)"
  fi
fi

# --- promtool and prometheus (tests/observability), from Debian's prometheus package -------------------
# Only the two static binaries are taken out of the .deb, into .tools/bin: installing the package would
# also pull ~100 MB of web assets and enable a system-wide prometheus.service that nothing here wants.
# Optional: without them the promtool tests and the live-Prometheus test skip, saying why.
if { ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; } && [ ! -x .tools/bin/promtool ]; then
  say "installing promtool and prometheus (Debian package prometheus) into .tools/bin"
  deb_dir=$(mktemp -d)
  if (cd "$deb_dir" && { apt-get download prometheus >/dev/null 2>&1 ||
        { [ "$(id -u)" -eq 0 ] && apt-get update -qq && apt-get download prometheus >/dev/null 2>&1; }; }) &&
     dpkg-deb -x "$deb_dir"/prometheus_*.deb "$deb_dir/root"; then
    mkdir -p .tools/bin && cp "$deb_dir/root/usr/bin/promtool" "$deb_dir/root/usr/bin/prometheus" .tools/bin/
  else
    say "promtool not installed (apt-get download prometheus failed): the promtool tests will skip"
  fi
  rm -rf "$deb_dir"
fi

# --- Toxiproxy (network faults for `make chaos`), from the Go module proxy, only when missing ----------
# The module's commands are cmd/server and cmd/cli (binaries .tools/bin/server and .tools/bin/cli).
TOXIPROXY_VERSION=v2.12.0
# Built only for `make chaos` (AURA_TOXIPROXY=1): `make test` needs no proxy, and a cold build takes ~3 min.
if [ "${AURA_TOXIPROXY:-0}" = 1 ] && { [ "$(cat .tools/toxiproxy.version 2>/dev/null)" != "$TOXIPROXY_VERSION" ] || [ ! -x .tools/bin/server ] || [ ! -x .tools/bin/cli ]; }; then
  if command -v go >/dev/null; then
    say "building Toxiproxy $TOXIPROXY_VERSION into .tools/bin"
    if GOBIN="$ROOT/.tools/bin" go install "github.com/Shopify/toxiproxy/v2/cmd/server@$TOXIPROXY_VERSION" \
       && GOBIN="$ROOT/.tools/bin" go install "github.com/Shopify/toxiproxy/v2/cmd/cli@$TOXIPROXY_VERSION"; then
      echo "$TOXIPROXY_VERSION" > .tools/toxiproxy.version
    else
      say "Toxiproxy build failed (offline?): make chaos runs without its network faults"
    fi
  else
    say "go not found: Toxiproxy not built (make chaos runs without its network faults)"
  fi
fi

# --- wrk (the load generator of bench/bench_orders.py), Debian's package, only for `make bench` ----------
# Optional: `make bench` sets AURA_BENCH=1; without wrk the bench loads with Python threads (and says so).
if [ "${AURA_BENCH:-0}" = 1 ] && ! command -v wrk >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    say "apt-get install wrk (bench load generator)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends wrk >/dev/null 2>&1 ||
      { apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk >/dev/null 2>&1; } ||
      say "wrk not installed: the orders bench loads with Python threads"
  else
    say "wrk not installed (sudo apt-get install wrk): the orders bench loads with Python threads"
  fi
fi

# --- Kafka jars from Maven Central ----------------------------------------------------------------
.venv/bin/python -c "from pathlib import Path; from devstack.kafka import ensure_jars; ensure_jars(Path('$ROOT'))"
say "ready"

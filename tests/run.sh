#!/usr/bin/env bash
# Runs every Civicast test: the whole workspace on SQLite, the web portal in headless Chromium
# (tests/browser, with Node.js), schemathesis against the API (tests/hostile, from PyPI), then
# the API suite again on a throw-away PostgreSQL 15 cluster that this script starts and removes,
# then stops and starts that cluster under a running server, and last runs each fuzz target for
# 15 s (fuzz/run.sh; installs cargo-fuzz if missing).
# On a machine with only Rust and a C compiler it first installs the Debian packages it needs
# when run as root; otherwise it prints the one command that installs them.
# Usage: tests/run.sh            (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."

# What the tests need beyond Rust and a C compiler, as Debian packages: PostgreSQL's server for
# the second backend, Xvfb, lavapipe (Mesa's Vulkan on the CPU) and ImageMagick for the player's
# real window, Chromium and Node.js for the portal's browser tests, HAProxy for a region's tests,
# ffmpeg and GStreamer for video.
missing_packages() {
  local need=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ -x "${PG_BIN:-}/initdb" ] || need+=(postgresql)
  dpkg -s mesa-vulkan-drivers >/dev/null 2>&1 || need+=(mesa-vulkan-drivers)
  dpkg -s libvulkan1 >/dev/null 2>&1 || need+=(libvulkan1)
  command -v pkg-config >/dev/null || need+=(pkg-config)
  command -v curl >/dev/null || need+=(curl)
  command -v Xvfb >/dev/null || need+=(xvfb)
  command -v xdotool >/dev/null || need+=(xdotool)
  command -v import >/dev/null || need+=(imagemagick)
  command -v chromium >/dev/null || need+=(chromium)
  command -v node >/dev/null || need+=(nodejs)
  # Debian's nodejs comes without npm; other builds of Node.js bring their own.
  command -v npm >/dev/null || need+=(npm)
  # schemathesis goes into a virtual environment (Debian: python3-venv brings ensurepip).
  python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3 python3-venv)
  # The test SMTP server (tests/src/smtp_server.py) runs on Debian's own python3 with aiosmtpd.
  /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || need+=(python3-aiosmtpd)
  # The reference load balancer of a region (deploy/region/haproxy.cfg), run by the tests as is.
  command -v haproxy >/dev/null || need+=(haproxy)
  # Video: the server probes, transcodes and takes poster frames with ffmpeg; the player decodes
  # with GStreamer (its headers to build, the plugins to play H.264 / VP9 in software).
  command -v ffmpeg >/dev/null || need+=(ffmpeg)
  dpkg -s libgstreamer1.0-dev >/dev/null 2>&1 || need+=(libgstreamer1.0-dev)
  dpkg -s libgstreamer-plugins-base1.0-dev >/dev/null 2>&1 || need+=(libgstreamer-plugins-base1.0-dev)
  for plugins in gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav gstreamer1.0-tools; do
    dpkg -s "$plugins" >/dev/null 2>&1 || need+=("$plugins")
  done
  echo "${need[@]}"
}
read -r -a need <<<"$(missing_packages)"
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing what the tests need: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  else
    echo "The tests need these Debian packages, which are missing: ${need[*]}" >&2
    echo "Install them with:" >&2
    echo "  sudo apt-get install -y postgresql mesa-vulkan-drivers libvulkan1 pkg-config xvfb xdotool imagemagick chromium nodejs npm python3-venv python3-aiosmtpd haproxy curl ffmpeg libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav gstreamer1.0-tools" >&2
    echo "(or run tests/run.sh as root, which installs them itself)" >&2
    exit 1
  fi
fi

# The S3 server the region tests run against (tests/src/s3.rs), from crates.io; 0.14.1 builds
# with Rust 1.95.
if ! command -v s3s-fs >/dev/null && [ ! -x "$HOME/.cargo/bin/s3s-fs" ]; then
  echo "== installing s3s-fs (an S3 server over a folder) for the region tests"
  cargo install s3s-fs --version 0.14.1 --features binary --locked
fi

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "PostgreSQL server binaries not found: install them (Debian: apt-get install postgresql) or set PG_BIN" >&2
  exit 1
fi

echo "== tests on SQLite"
cargo test --workspace

echo "== web portal in headless Chromium"
# The same targets as `cargo test` above, so nothing is built again for other features.
cargo build --workspace --all-targets
TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
(
  cd tests/browser
  npm ci --no-audit --no-fund --loglevel=error
  CIVICAST_SERVER_BIN="$TARGET_DIR/debug/civicast-server" npm test
)

echo "== hostile input: schemathesis against the OpenAPI document (quick: 10 examples per route)"
tests/hostile/schemathesis.sh quick

echo "== tests on PostgreSQL"
PG_DIR="$(mktemp -d /tmp/civicast-pg.XXXXXX)"
PG_PORT="${CIVICAST_TEST_PG_PORT:-$(( 20000 + RANDOM % 20000 ))}"
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
cleanup() {
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
trap cleanup EXIT
PG_OPTS="-k $PG_DIR -p $PG_PORT -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
  -o "$PG_OPTS" start >/dev/null
CIVICAST_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT" cargo test -p civicast-tests

echo "== fault: PostgreSQL stopped and started again under a running server"
pg_ctl_as_postgres="$PG_BIN/pg_ctl -D $PG_DIR/data -w"
[ "$(id -u)" = 0 ] && pg_ctl_as_postgres="runuser -u postgres -- $pg_ctl_as_postgres"
CIVICAST_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT" \
CIVICAST_TEST_PG_STOP="$pg_ctl_as_postgres -m fast stop >/dev/null" \
CIVICAST_TEST_PG_START="$pg_ctl_as_postgres -l $PG_DIR/log -o '$PG_OPTS' start >/dev/null" \
  cargo test -p civicast-tests --test api -- --ignored --exact faults::the_server_answers_503_while_postgresql_is_down_and_recovers_by_itself

echo "== hostile input: each fuzz target for 15 s"
fuzz/run.sh 15

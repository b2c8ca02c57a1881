#!/usr/bin/env bash
# Runs every fuzz target (libFuzzer through cargo fuzz) for N seconds each (default 60), starting
# from the seeds in fuzz/seeds and the corpus earlier runs left in fuzz/corpus. Exits non-zero on
# the first crash; libFuzzer then names the input it saved under fuzz/artifacts.
#
# cargo fuzz wants a nightly compiler for its sanitizers. These targets run without a sanitizer
# (`-s none`: the code is safe Rust, so a crash is a panic, an overflow or a timeout), and
# RUSTC_BOOTSTRAP=1 lets the stable toolchain accept the flags cargo fuzz passes.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CIVICAST_FUZZ_TARGET_DIR:-${HOME:-/root}/.cache/civicast/fuzz-target}"
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
for target in manifest play_batch schedule upload; do
  mkdir -p "corpus/$target"
  echo "== fuzz target $target, ${seconds}s"
  log="$(mktemp)"
  if ! cargo fuzz run -s none --target-dir "$CARGO_TARGET_DIR" "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    tail -60 "$log"
    echo "fuzz target $target failed: the input that broke it is under fuzz/artifacts/$target"
    exit 1
  fi
  grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units)" "$log" || tail -5 "$log"
  rm -f "$log"
done

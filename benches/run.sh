#!/usr/bin/env bash
# Every benchmark of ../shared/brief/performance.md that exists, each beside its reference in the
# same run, results written into BENCHMARKS.md with the command, the date and the machine:
#   P1, P2   benches/polls.py        wrk against the server and nginx serving the same bytes
#   P3, P4   benches/proof_of_play.rs  ingestion beside raw SQLite; a year of rollups
#   P5       benches/renditions.py   upload to renditions beside vipsthumbnail and ImageMagick
#   P6, P7   benches/player.py       the player under Xvfb beside itself in transitions and feh
#   P11      benches/video.py        the player on 1080p30 H.264 beside gst-launch playbin; a 4K
#                                    clip's rendition beside ffmpeg run directly
#   P8       benches/player_memory.py  the player's memory, 200 4K posters beside one
#   P9       benches/emergency.py    an emergency message to 50 screens' push streams
#   P10      benches/resume.py       bytes downloaded / needed, a 500 MB set interrupted 3 times
#   bombs    benches/upload_memory.py  20 concurrent decompression-bomb uploads, memory by budget
#   mail     benches/notifications.py  10,000 e-mails to a local SMTP server, a poll's p99 meanwhile
#   load     benches/load.rs         10,000 screens for 5 minutes (LOAD_MINUTES, LOAD_SCREENS)
#   P14      benches/portal.py       the portal's pages' server time on 100 buildings, 5,000 events
#                                    and a year of rollups
#   P13, region  benches/region.py   two instances on PostgreSQL behind HAProxy (TLS): P1 beside nginx
#                                    over TLS; the same load with one instance killed and restarted
# P9's pixels on real players are measured by the end-to-end tests (see BENCHMARKS.md). Installs what it needs from
# Debian's packages when run as root. Everything talks to 127.0.0.1 only. About 45 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${HOME:-/root}/.cache/civicast/target}"

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx)
command -v vipsthumbnail >/dev/null || need+=(libvips-tools)
test -x /usr/bin/convert || need+=(imagemagick)
command -v Xvfb >/dev/null || need+=(xvfb)
command -v feh >/dev/null || need+=(feh)
dpkg -s mesa-vulkan-drivers >/dev/null 2>&1 || need+=(mesa-vulkan-drivers)
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || need+=(python3-aiosmtpd)
command -v haproxy >/dev/null || need+=(haproxy)
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v gst-launch-1.0 >/dev/null || need+=(gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ -x "${PG_BIN:-}/initdb" ] || need+=(postgresql)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "benches/run.sh needs: ${need[*]} (apt-get install them, or run as root)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

python3 benches/polls.py
python3 benches/renditions.py
python3 benches/player.py
python3 benches/video.py
python3 benches/player_memory.py
python3 benches/resume.py
python3 benches/emergency.py
python3 benches/upload_memory.py
python3 benches/notifications.py
cargo bench -p civicast-tests --bench proof_of_play
cargo bench -p civicast-tests --bench load -- \
  --screens "${LOAD_SCREENS:-10000}" --minutes "${LOAD_MINUTES:-5}"
python3 benches/region.py
python3 benches/portal.py

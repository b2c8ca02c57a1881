#!/usr/bin/env python3
"""Benchmark P8 from the brief's performance table: the player's memory while it plays a
200-item playlist of 4K posters, beside the same player playing a 1-item playlist of one of them,
in the same run.

The posters are 200 distinct 3840x2160 JPEGs (one picture, each file with a comment of its own,
so 200 files to fetch, verify, decode and show). The screen is a 3840x2160 LED wall, so it is sent
the 4K originals, not the 1080p renditions. Each item shows for 1 s; the player's resident memory
is read from /proc every 0.5 s for PLAY_S seconds (default 90) after the playlist starts, and the
highest reading is the figure.

Usage (from the repository root):  python3 benches/player_memory.py
It builds the release server and the workspace (the player runs as its debug build; its memory
is the pictures it holds, which the build mode does not change much), needs Xvfb, ImageMagick and
mesa-vulkan-drivers, sends traffic only to 127.0.0.1, and writes its result into BENCHMARKS.md
(section "Player memory (P8)").
"""
import datetime, os, subprocess, tempfile, time

from benchlib import ROOT, TARGET, Server, build_release, machine, write_section

PORT = 19700 + os.getpid() % 100
DISPLAY = f":{500 + os.getpid() % 100}"
PLAY_S = int(os.environ.get("PLAY_S", "90"))
CONVERT = "/usr/bin/convert"


def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def play(server, work, name, media_ids, env):
    """The highest resident memory of a player playing `media_ids`, 1 s each."""
    building = server.api("POST", "/buildings", body={"name": name, "address": "Kortrijk",
                                                      "venue_type": "led_wall_square"})["id"]
    playlist = server.api("POST", "/playlists", body={"building_id": building, "name": name})["id"]
    for media in media_ids:
        server.api("POST", f"/playlists/{playlist}/items",
                   body={"kind": "slide", "media_id": media, "duration_ms": 1000})
    wall = server.api("POST", "/screens", body={"building_id": building, "name": name, "kind": "led_wall",
                                                "width": 3840, "height": 2160, "orientation": "landscape",
                                                "playlist_id": playlist})
    token = server.api("POST", f"/screens/{wall['id']}/token")["token"]
    data = os.path.join(work, name)
    os.makedirs(data)
    open(os.path.join(data, "screen-token"), "w").write(token)
    player = subprocess.Popen([os.path.join(TARGET, "debug", "civicast-player"), "--server",
                               f"http://127.0.0.1:{PORT}", "--window", "640x360", "--data-dir", data],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Playing starts once every file is in the cache and the manifest is written.
        deadline = time.time() + 600
        while not os.path.exists(os.path.join(data, "manifest.json")):
            assert player.poll() is None, "the player stopped"
            assert time.time() < deadline, "the player never synced"
            time.sleep(0.2)
        highest, samples = 0.0, []
        until = time.time() + PLAY_S
        while time.time() < until:
            assert player.poll() is None, "the player stopped"
            rss = rss_mib(player.pid)
            highest = max(highest, rss)
            samples.append(rss)
            time.sleep(0.5)
        return highest, samples
    finally:
        player.kill()
        player.wait()


def main():
    build_release("civicast-server")
    subprocess.run(["cargo", "build", "--workspace", "--all-targets"], cwd=ROOT, check=True)
    work = tempfile.mkdtemp(prefix="civicast-memory-bench-")
    poster = os.path.join(work, "poster.jpg")
    subprocess.run([CONVERT, "-size", "3840x2160", "-seed", "7", "plasma:fractal", "-quality", "92", poster],
                   check=True)
    content = open(poster, "rb").read()
    processes = []
    try:
        server = Server(PORT, work)
        processes.append(server.process)
        media = []
        for n in range(200):
            comment = f"poster {n}".encode()
            variant = content[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + content[2:]
            media.append(server.api("POST", f"/media?filename=poster-{n}.jpg", body=variant, raw=True,
                                    ctype="image/jpeg")["id"])
        xvfb = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", "640x360x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(xvfb)
        time.sleep(1)
        env = {**os.environ, "DISPLAY": DISPLAY, "RUST_LOG": "warn"}
        one, _ = play(server, work, "one", media[:1], env)
        many, samples = play(server, work, "many", media, env)
    finally:
        for process in processes:
            process.terminate()
            process.wait()
    ratio = many / one
    lines = [
        f"Command: `python3 benches/player_memory.py` — {datetime.date.today().isoformat()}, {machine()}, the "
        f"player's debug build under Xvfb + Mesa lavapipe (no GPU, so textures live in the process), a "
        f"640x360 window, 1 s per item, highest resident memory over {PLAY_S} s of playing. The posters: "
        f"3840x2160 JPEGs of {len(content):,} bytes, sent as originals (the screen is a 4K LED wall).",
        "",
        "| # | figure | measured | reference, same run | ratio | goal | |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| P8 | player memory, 200 distinct 4K posters | {many:.0f} MiB | the same player, 1 poster: {one:.0f} MiB "
        f"| {ratio:.2f}x | < 1.5x | {'met' if ratio < 1.5 else 'missed'} |",
    ]
    write_section("Player memory (P8)", lines)


if __name__ == "__main__":
    main()

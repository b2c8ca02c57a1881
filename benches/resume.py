#!/usr/bin/env python3
"""Benchmark P10 from the brief's performance table: bytes a player downloads divided by the bytes
it needs, when the download of a 500 MB media set is interrupted three times (the player killed
at about 20%, 45% and 70%, then started again).

The real player binary runs under Xvfb against the server through a counting proxy on
127.0.0.1, which counts every byte the server sends it: media, manifests, headers and all, so
the ratio is if anything pessimistic. The bytes needed are the sizes of the files in the manifest.

Usage (from the repository root):  python3 benches/resume.py
It builds the release server and the workspace (the player runs as its debug build: the figure
is a count of bytes, not a time),
needs Xvfb (apt-get install xvfb mesa-vulkan-drivers) and writes its result into BENCHMARKS.md
(section "Resumed downloads (P10)"). MEDIA_MB (default 500) sets the size of the set.
"""
import datetime, os, socket, struct, subprocess, tempfile, threading, time, zlib

from benchlib import ROOT, TARGET, Server, build_release, machine, write_section

PORT = 19900 + os.getpid() % 50
PROXY_PORT = PORT + 50
MEDIA_MB = int(os.environ.get("MEDIA_MB", "500"))
FILES = 20
DISPLAY = f":{400 + os.getpid() % 100}"


def noise_png(side):
    """A PNG of random pixels, stored without compression: about side * side * 3 bytes."""
    raw = b"".join(b"\x00" + os.urandom(side * 3) for _ in range(side))
    chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data
                                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 0)) + chunk(b"IEND", b""))


class CountingProxy(threading.Thread):
    """Forwards 127.0.0.1:PROXY_PORT to the server and counts the bytes sent back."""

    def __init__(self):
        super().__init__(daemon=True)
        self.down = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", PROXY_PORT))

    def run(self):
        while True:
            client, _ = self.listener.accept()
            upstream = socket.create_connection(("127.0.0.1", PORT))
            threading.Thread(target=self.pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self.pump, args=(upstream, client, True), daemon=True).start()

    def pump(self, source, target, counted):
        try:
            while True:
                data = source.recv(1 << 16)
                if not data:
                    break
                target.sendall(data)
                if counted:
                    with self.lock:
                        self.down += len(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def cached_bytes(cache):
    total = 0
    for folder in (cache, os.path.join(cache, "partial")):
        if os.path.isdir(folder):
            for name in os.listdir(folder):
                path = os.path.join(folder, name)
                if os.path.isfile(path) and len(name) == 64:
                    total += os.path.getsize(path)
    return total


def main():
    build_release("civicast-server")
    subprocess.run(["cargo", "build", "--workspace", "--all-targets"], cwd=ROOT, check=True)
    work = tempfile.mkdtemp(prefix="civicast-resume-bench-")
    processes = []
    try:
        server = Server(PORT, work)
        processes.append(server.process)
        building = server.api("POST", "/buildings", body={"name": "Market square", "address": "Kortrijk",
                                                          "venue_type": "led_wall_square"})["id"]
        playlist = server.api("POST", "/playlists", body={"building_id": building, "name": "Wall"})["id"]
        side = int(((MEDIA_MB * 1_000_000 / FILES) / 3) ** 0.5)
        needed = 0
        hashes = []
        for n in range(FILES):
            media = server.api("POST", f"/media?filename=set-{n}.png", body=noise_png(side), raw=True,
                               ctype="image/png")
            needed += media["size_bytes"]
            hashes.append(media["sha256"])
            server.api("POST", f"/playlists/{playlist}/items",
                       body={"kind": "slide", "media_id": media["id"], "duration_ms": 5000})
        # An LED wall larger than 1080p: it is sent the originals.
        wall = server.api("POST", "/screens", body={"building_id": building, "name": "Wall",
                                                    "kind": "led_wall", "width": 3840, "height": 2160,
                                                    "orientation": "landscape", "playlist_id": playlist})
        token = server.api("POST", f"/screens/{wall['id']}/token")["token"]
        data = os.path.join(work, "player")
        os.makedirs(data)
        open(os.path.join(data, "screen-token"), "w").write(token)
        cache = os.path.join(data, "cache")

        proxy = CountingProxy()
        proxy.start()
        xvfb = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", "640x360x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(xvfb)
        time.sleep(1)
        env = {**os.environ, "DISPLAY": DISPLAY, "RUST_LOG": "warn"}
        player_args = [os.path.join(TARGET, "debug", "civicast-player"), "--server",
                       f"http://127.0.0.1:{PROXY_PORT}", "--window", "640x360", "--data-dir", data,
                       # 40 MB/s, so that each interruption lands where it is meant to.
                       "--download-limit-kbps", "320000"]
        interrupted_at = []
        for fraction in (0.20, 0.45, 0.70):
            player = subprocess.Popen(player_args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.time() + 600
            while cached_bytes(cache) < fraction * needed:
                assert player.poll() is None, "the player stopped by itself"
                assert time.time() < deadline, "the download does not progress"
                time.sleep(0.01)
            player.kill()
            player.wait()
            interrupted_at.append(cached_bytes(cache) / needed)
        player = subprocess.Popen(player_args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(player)
        deadline = time.time() + 900
        while not all(os.path.exists(os.path.join(cache, sha)) for sha in hashes):
            assert time.time() < deadline, "the download never finished"
            time.sleep(0.2)
        time.sleep(1)
        downloaded = proxy.down
    finally:
        for process in processes:
            process.terminate()
            process.wait()
    ratio = downloaded / needed
    points = ", ".join(f"{p:.0%}" for p in interrupted_at)
    lines = [
        f"Command: `python3 benches/resume.py` — {datetime.date.today().isoformat()}, {machine()}, release "
        "server, the player's debug build (the figure counts bytes, not time) under Xvfb, every byte the server sent it "
        "counted by a proxy on 127.0.0.1 (media, manifests and headers).",
        "",
        "| # | figure | measured | reference | ratio | goal | |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| P10 | bytes downloaded / bytes needed, {FILES} files of {needed / FILES / 1e6:.0f} MB ({needed / 1e6:.0f} MB), "
        f"the player killed 3 times (at {points} of the set) | {downloaded:,} bytes downloaded | {needed:,} bytes "
        f"needed | {ratio:.4f} | <= 1.01 | {'met' if ratio <= 1.01 else 'missed'} |",
    ]
    write_section("Resumed downloads (P10)", lines)


if __name__ == "__main__":
    main()

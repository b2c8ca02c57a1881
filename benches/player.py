#!/usr/bin/env python3
"""Player benchmarks P6 and P7 from the brief's performance table, each beside its reference in
the same run, on this machine (software rendering with lavapipe when there is no GPU).

P6: CPU of the player while a still 1080p slide shows, beside the same player during constant
    transitions (two slides of 1 s) and an idle X image viewer (feh) showing the same image.
P7: time from starting the player to the first slide on screen, with a warm cache and the
    server down (median of 5 starts; read off the X screen, so within ~0.1 s).

Usage (from the repository root):  python3 benches/player.py
It builds the release binaries, needs Xvfb, ImageMagick and feh (apt-get install xvfb
imagemagick feh mesa-vulkan-drivers), sends traffic only to 127.0.0.1, and writes its results
into BENCHMARKS.md (section "Player").
"""
import datetime, json, os, re, shutil, statistics, subprocess, tempfile, threading, time
import urllib.request

from benchlib import ROOT, TARGET, Server, machine, write_section

PORT = 18000 + os.getpid() % 1000
DISPLAY = f":{100 + os.getpid() % 300}"
SIZE = (1920, 1080)
SAMPLE_S = 30


def api(method, path, token=None, body=None, ctype="application/json", raw=False):
    data = body if raw else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=data, method=method)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    if data is not None:
        request.add_header("Content-Type", ctype)
    with urllib.request.urlopen(request) as response:
        text = response.read()
        return json.loads(text) if text else None


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_percent(pid, seconds=SAMPLE_S):
    c0, t0 = cpu_seconds(pid), time.time()
    time.sleep(seconds)
    return 100 * (cpu_seconds(pid) - c0) / (time.time() - t0)


def pixel(x, y):
    out = subprocess.run(
        ["import", "-display", DISPLAY, "-window", "root", "-crop", f"1x1+{x}+{y}", "-depth", "8", "txt:-"],
        capture_output=True, text=True).stdout
    match = re.search(r"\((\d+),(\d+),(\d+)", out.splitlines()[-1] if out else "")
    return tuple(int(v) for v in match.groups()) if match else None


def close(a, b, tolerance=12):
    return a is not None and all(abs(x - y) <= tolerance for x, y in zip(a, b))


def wait_for(color, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if close(pixel(SIZE[0] // 2, SIZE[1] // 2), color):
            return time.time()
        time.sleep(0.02)
    raise SystemExit(f"the screen never showed {color}")


def solid_png(path, rgb):
    subprocess.run(["convert", "-size", f"{SIZE[0]}x{SIZE[1]}", f"xc:rgb{tuple(rgb)}", path], check=True)


def main():
    subprocess.run(["cargo", "build", "--release", "--workspace", "--bins"], cwd=ROOT, check=True)
    binaries = os.path.join(TARGET, "release")
    work = tempfile.mkdtemp(prefix="civicast-bench-")
    processes = []
    try:
        server = Server(PORT, work)
        processes.append(server.process)
        admin = server.admin
        building = api("POST", "/api/v1/buildings", admin, {"name": "Library", "address": "Kortrijk",
                                                              "venue_type": "library"})["id"]
        playlist = api("POST", "/api/v1/playlists", admin, {"building_id": building, "name": "loop"})["id"]
        colors = {"red": (200, 40, 40), "green": (40, 180, 70)}
        media = {}
        for name, rgb in colors.items():
            path = os.path.join(work, f"{name}.png")
            solid_png(path, rgb)
            media[name] = api("POST", "/api/v1/media?filename=slide.png", admin, open(path, "rb").read(),
                              "image/png", raw=True)
        # Constant transitions first (two slides of 1 s), then one still slide.
        red_item = api("POST", f"/api/v1/playlists/{playlist}/items", admin,
                       {"kind": "slide", "media_id": media["red"]["id"], "duration_ms": 1000})
        green_item = api("POST", f"/api/v1/playlists/{playlist}/items", admin,
                         {"kind": "slide", "media_id": media["green"]["id"], "duration_ms": 1000})

        xvfb = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", f"{SIZE[0]}x{SIZE[1]}x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(xvfb)
        time.sleep(1)
        env = dict(os.environ, DISPLAY=DISPLAY, RUST_LOG="info,wgpu=error,naga=error")
        player_args = [os.path.join(binaries, "civicast-player"), "--server", f"http://127.0.0.1:{PORT}",
                       "--data-dir", os.path.join(work, "player"), "--window", f"{SIZE[0]}x{SIZE[1]}"]
        player = subprocess.Popen(player_args, env=env, stderr=subprocess.PIPE, text=True)
        processes.append(player)
        code = None
        for line in player.stderr:
            found = re.search(r"pairing code (\w+)", line)
            if found:
                code = found.group(1)
                break
        threading.Thread(target=lambda: [None for _ in player.stderr], daemon=True).start()
        api("POST", "/api/v1/pairing/claim", admin, {"code": code, "building_id": building, "name": "Hall"})
        wait_for(colors["green"])
        wait_for(colors["red"])
        p6_transitions = cpu_percent(player.pid)

        api("DELETE", f"/api/v1/playlists/{playlist}/items/{green_item['id']}", admin)
        api("PUT", f"/api/v1/playlists/{playlist}/items/{red_item['id']}", admin,
            {"kind": "slide", "media_id": media["red"]["id"], "duration_ms": 600000})
        # The next poll (10 s) brings the one-slide manifest; let it settle.
        time.sleep(15)
        wait_for(colors["red"])
        p6_still = cpu_percent(player.pid)
        player.kill()
        player.wait()

        feh = subprocess.Popen(["feh", "--fullscreen", os.path.join(work, "red.png")], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(feh)
        wait_for(colors["red"])
        time.sleep(2)
        p6_feh = cpu_percent(feh.pid)
        feh.kill()
        feh.wait()

        # P7: warm cache, server down.
        server.process.kill()
        server.process.wait()
        starts = []
        for _ in range(5):
            # With the last player gone, the X screen is back to its empty root window.
            time.sleep(0.5)
            began = time.time()
            player = subprocess.Popen(player_args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            processes.append(player)
            shown = None
            deadline = time.time() + 60
            while time.time() < deadline:
                seen = pixel(SIZE[0] // 2, SIZE[1] // 2)
                if close(seen, colors["red"]) or close(seen, colors["green"]):
                    shown = time.time()
                    break
                time.sleep(0.02)
            if shown is None:
                raise SystemExit("the player did not show a slide from its cache")
            starts.append(shown - began)
            player.kill()
            player.wait()
        p7 = statistics.median(starts)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)

    rows = [
        ("P6", "player CPU, still 1080p slide", f"{p6_still:.1f}% of one core",
         f"same player, a transition every second: {p6_transitions:.1f}%; feh idle: {p6_feh:.1f}%",
         f"{p6_still / max(p6_transitions, 0.01):.3f}x the transitions", "<= 3% of one core",
         "met" if p6_still <= 3 else "missed"),
        ("P7", "start to first slide, warm cache, server down", f"{p7:.2f} s (median of 5: "
         + ", ".join(f"{s:.2f}" for s in starts) + ")", "—", "—", "< 2 s", "met" if p7 < 2 else "missed"),
    ]
    lines = [f"Command: `python3 benches/player.py` — {datetime.date.today().isoformat()}, {machine()}, "
             "Xvfb + Mesa lavapipe (no GPU), release build.",
             "", "| # | figure | measured | reference, same run | ratio | goal | |", "| --- | --- | --- | --- | --- | --- | --- |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    write_section("Player (P6, P7)", lines)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Player benchmarks P6 and P7 from the brief's performance table, each beside its reference in
the same run, on this machine (software rendering with lavapipe when there is no GPU).

P6: CPU of the player while each kind of still item is the only thing on screen, at 1920x1080
    and on an LED-wall size (1536x384), each on its own Xvfb screen with its own player:
      an image slide of 45 s (shorter than the player's 60 s idle wake, where a redraw bug hid),
      an event card with a poster, an event card without one (events submitted by an
      association and approved by city staff, as in the API tests), an announcement, an
      emergency message, and the blank screen outside the building's display hours.
    The loop holds that one item of 45 s, so it replays it (a loop of one keeps its layer).
    Each kind is sampled for SAMPLE_S once the screen has changed and stood still for STILL_S.
    References in the same run, per size: the same player during constant transitions (two
    slides of 1 s) and an idle X image viewer (feh) showing a still image.
P7: time from starting the player to the first slide on screen, with a warm cache and the
    server down (median of 5 starts at 1920x1080; read off the X screen, so within ~0.1 s).

Usage (from the repository root):  python3 benches/player.py
It builds the release binaries (CIVICAST_BENCH_NO_BUILD=1 uses those already built;
CIVICAST_BENCH_PLAYER=path runs another player binary, and the section says so), needs
Xvfb, ImageMagick and feh (apt-get install xvfb imagemagick feh mesa-vulkan-drivers), sends
traffic only to 127.0.0.1, and writes its results into BENCHMARKS.md (section "Player", and
the P6/P7 rows of the table at the top).
"""
import datetime, json, os, re, shutil, statistics, subprocess, tempfile, threading, time
import urllib.request
import zoneinfo

from benchlib import ROOT, TARGET, Server, machine, write_section

PORT = 18000 + os.getpid() % 1000
BASE_DISPLAY = 100 + os.getpid() % 300
FULL_HD = (1920, 1080)
LED_WALL = (1536, 384)
SAMPLE_S = 20
STILL_S = 3
ITEM_MS = 45_000
GOAL = 3.0
TIME_ZONE = "Europe/Brussels"

RED = (200, 40, 40)
GREEN = (40, 180, 70)
POSTER_BLUE = (20, 60, 210)
EMERGENCY_RED = (153, 0, 0)  # the emergency screen's ground, (0.6, 0, 0) in sRGB
KINDS = [
    ("slide", "image slide (45 s)"),
    ("event_poster", "event card with a poster"),
    ("announcement", "announcement"),
    ("event_plain", "event card without a poster"),
    ("emergency", "emergency message"),
    ("blank", "blank screen outside display hours"),
]


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


def close(a, b, tolerance=12):
    return a is not None and all(abs(x - y) <= tolerance for x, y in zip(a, b))


class Shot:
    """The X screen read back through ImageMagick's `import`, looked at on a grid of every
    STEP-th pixel."""
    STEP = 8

    def __init__(self, display):
        data = subprocess.run(["import", "-display", display, "-window", "root", "-depth", "8", "ppm:-"],
                              capture_output=True).stdout
        header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
        if not header:
            raise SystemExit(f"could not read the X screen {display}")
        self.width, self.height = int(header.group(1)), int(header.group(2))
        self.data = data[header.end():]
        self.grid = []
        for y in range(self.STEP // 2, self.height, self.STEP):
            row = self.data[y * self.width * 3:(y + 1) * self.width * 3]
            self.grid += [tuple(row[x * 3:x * 3 + 3]) for x in range(self.STEP // 2, self.width, self.STEP)]

    def at(self, x, y):
        i = (y * self.width + x) * 3
        return tuple(self.data[i:i + 3])

    def share(self, rgb, tolerance=12):
        return sum(1 for p in self.grid if close(p, rgb, tolerance)) / len(self.grid)

    def black(self):
        return all(max(p) <= 10 for p in self.grid)

    def diff(self, other):
        """Mean absolute difference per channel, 0..255."""
        if other is None or len(other.grid) != len(self.grid):
            return 255.0
        return sum(abs(a - b) for p, q in zip(self.grid, other.grid) for a, b in zip(p, q)) / (3 * len(self.grid))

    def save(self, path):
        subprocess.run(["convert", "ppm:-", path], input=b"P6 %d %d 255\n" % (self.width, self.height) + self.data)


def settle(display, before, timeout=60):
    """Waits until the screen differs from `before` and has then stood still for STILL_S;
    returns the still screen, or the last one (with a warning) if it kept moving for 30 s."""
    deadline = time.time() + timeout
    last, still_since, changed_at = None, None, None
    while time.time() < deadline:
        shot = Shot(display)
        if changed_at is None and shot.diff(before) > 0.5:
            changed_at = time.time()
            deadline = changed_at + 30
        if changed_at is not None:
            if last is not None and shot.diff(last) < 0.05:
                if still_since is None:
                    still_since = time.time()
                elif time.time() - still_since >= STILL_S:
                    return shot
            else:
                still_since = None
        last = shot
        time.sleep(0.1)
    if changed_at is None:
        raise SystemExit(f"the screen {display} never changed")
    print(f"warning: the screen {display} kept changing for 30 s", flush=True)
    return last


def wait_for(display, color, x, y, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if close(pixel(display, x, y), color):
            return time.time()
        time.sleep(0.02)
    raise SystemExit(f"the screen {display} never showed {color}")


def pixel(display, x, y):
    out = subprocess.run(
        ["import", "-display", display, "-window", "root", "-crop", f"1x1+{x}+{y}", "-depth", "8", "txt:-"],
        capture_output=True, text=True).stdout
    match = re.search(r"\((\d+),(\d+),(\d+)", out.splitlines()[-1] if out else "")
    return tuple(int(v) for v in match.groups()) if match else None


def solid_png(path, size, rgb):
    subprocess.run(["convert", "-size", f"{size[0]}x{size[1]}", f"xc:rgb{tuple(rgb)}", path], check=True)


class Content:
    """The building, its one playlist and what goes into it, set up over the HTTP API as staff
    and an association would."""

    def __init__(self, server, work):
        self.admin = admin = server.admin
        self.building = api("POST", "/api/v1/buildings", admin, {"name": "Library", "address": "Kortrijk",
                                                                   "venue_type": "library"})
        self.playlist = api("POST", "/api/v1/playlists", admin, {"building_id": self.building["id"],
                                                                  "name": "loop"})["id"]
        self.media = {}
        for name, rgb in {"red": RED, "green": GREEN}.items():
            path = os.path.join(work, f"{name}.png")
            solid_png(path, FULL_HD, rgb)
            self.media[name] = api("POST", "/api/v1/media?filename=slide.png", admin, open(path, "rb").read(),
                                   "image/png", raw=True)["id"]
        # Events come from an association and are approved into the building by city staff.
        choir = self.member("Choir", "association", "association")
        staff = self.member("Communications", "city_department", "staff")
        poster_path = os.path.join(work, "poster.png")
        solid_png(poster_path, (1200, 1600), POSTER_BLUE)
        poster = api("POST", "/api/v1/media?filename=poster.png", choir, open(poster_path, "rb").read(),
                     "image/png", raw=True)["id"]
        self.events = {}
        for name, title, poster_id in [("event_poster", "Winter concert", poster),
                                       ("event_plain", "Open rehearsal", None)]:
            starts = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=5)
            body = {"title": title, "description": "Everyone welcome", "starts_at": starts.isoformat(),
                    "ends_at": (starts + datetime.timedelta(hours=3)).isoformat(),
                    "venue": "Culture centre, Kortrijk", "category": "music",
                    "target_audiences": ["seniors", "culture"], "link": "https://choir.example/concert",
                    "requested_building_ids": [self.building["id"]]}
            if poster_id:
                body["poster_media_id"] = poster_id
            event = api("POST", "/api/v1/events", choir, body)["id"]
            api("POST", f"/api/v1/events/{event}/approve", staff,
                {"building_ids": [self.building["id"]], "duration_ms": ITEM_MS})
            self.events[name] = event

    def member(self, name, kind, role):
        organisation = api("POST", "/api/v1/organisations", self.admin, {
            "name": name, "kind": kind, "contact_name": "Contact", "contact_email": "contact@example.org",
            "description": ""})
        if organisation.get("verified") is False:
            api("POST", f"/api/v1/organisations/{organisation['id']}/verify", self.admin)
        email = f"{name.lower()}@example.org"
        api("POST", "/api/v1/users", self.admin, {"email": email, "display_name": name,
                                                  "password": "a long enough password", "role": role,
                                                  "organisation_id": organisation["id"]})
        return api("POST", "/api/v1/auth/token", body={"email": email,
                                                       "password": "a long enough password"})["token"]

    def loop(self, *items):
        """Makes `items` the whole loop."""
        path = f"/api/v1/playlists/{self.playlist}/items"
        for item in api("GET", path + "?per_page=100", self.admin)["items"]:
            api("DELETE", f"{path}/{item['id']}", self.admin)
        for item in items:
            api("POST", path, self.admin, item)

    def slide(self, name, duration_ms=ITEM_MS):
        return {"kind": "slide", "media_id": self.media[name], "duration_ms": duration_ms}

    def event(self, name):
        return {"kind": "event", "event_id": self.events[name], "duration_ms": ITEM_MS}

    def display_hours(self, hours):
        body = {"name": self.building["name"], "address": self.building["address"], "time_zone": TIME_ZONE,
                "venue_type": self.building["venue_type"], "display_hours": hours}
        api("PUT", f"/api/v1/buildings/{self.building['id']}", self.admin, body)


class Player:
    """The release player on its own Xvfb screen of `size`, paired into the building."""

    def __init__(self, binaries, work, size, number, content, processes):
        self.size = size
        self.display = f":{BASE_DISPLAY + number}"
        self.xvfb = subprocess.Popen(["Xvfb", self.display, "-screen", "0", f"{size[0]}x{size[1]}x24",
                                      "-nolisten", "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(self.xvfb)
        time.sleep(1)
        self.env = dict(os.environ, DISPLAY=self.display, RUST_LOG="info,wgpu=error,naga=error")
        binary = os.environ.get("CIVICAST_BENCH_PLAYER") or os.path.join(binaries, "civicast-player")
        self.args = [binary, "--server", f"http://127.0.0.1:{PORT}",
                     "--data-dir", os.path.join(work, f"player-{size[0]}x{size[1]}"),
                     "--window", f"{size[0]}x{size[1]}"]
        self.process = subprocess.Popen(self.args, env=self.env, stderr=subprocess.PIPE, text=True)
        processes.append(self.process)
        self.log = []
        code = None
        for line in self.process.stderr:
            self.log.append(line.rstrip())
            found = re.search(r"pairing code (\w+)", line)
            if found:
                code = found.group(1)
                break
        if code is None:
            raise SystemExit("the player ended before pairing:\n" + "\n".join(self.log[-30:]))
        threading.Thread(target=lambda: [self.log.append(line.rstrip()) for line in self.process.stderr],
                         daemon=True).start()
        api("POST", "/api/v1/pairing/claim", content.admin,
            {"code": code, "building_id": content.building["id"], "name": f"Hall {size[0]}x{size[1]}"})

    def centre(self):
        return self.size[0] // 2, self.size[1] // 2

    def stop(self):
        self.process.kill()
        self.process.wait()


def measure_size(player, content, work):
    """P6 at one size: {kind: (cpu %, what was checked)}, the transitions reference, feh idle."""
    display = player.display
    content.loop(content.slide("red", 1000), content.slide("green", 1000))
    wait_for(display, GREEN, *player.centre())
    wait_for(display, RED, *player.centre())
    transitions = cpu_percent(player.process.pid)
    print(f"{player.size}: transitions {transitions:.1f}%", flush=True)

    results = {}
    emergency = None
    before = None  # transitions never stand still for STILL_S
    for kind, _ in KINDS:
        if kind == "slide":
            content.loop(content.slide("red"))
        elif kind in ("event_poster", "event_plain"):
            content.loop(content.event(kind))
        elif kind == "announcement":
            content.loop({"kind": "announcement", "text": "Closed on Monday 11/11", "duration_ms": ITEM_MS})
        elif kind == "emergency":
            emergency = api("POST", "/api/v1/emergency", content.admin,
                            {"text": "Leave the building by the nearest exit"})["id"]
        elif kind == "blank":
            local = datetime.datetime.now(zoneinfo.ZoneInfo(TIME_ZONE))
            hour = lambda h: (local + datetime.timedelta(hours=h)).strftime("%H:%M:%S")
            content.display_hours({"start": hour(2), "end": hour(3)})
        shot = settle(display, before)
        seen = {
            "slide": close(shot.at(*player.centre()), RED),
            "event_poster": shot.share(POSTER_BLUE) >= 0.03,
            "announcement": shot.share(POSTER_BLUE) < 0.002 and not shot.black(),
            "event_plain": shot.share(POSTER_BLUE) < 0.002 and not shot.black(),
            "emergency": close(shot.at(20, 20), EMERGENCY_RED),
            "blank": shot.black(),
        }[kind]
        shot.save(os.path.join(work, f"shot-{player.size[0]}x{player.size[1]}-{kind}.png"))
        if not seen:
            raise SystemExit(f"{kind} at {player.size}: the screen does not show it (saved in {work})")
        logged = len(player.log)
        percent = cpu_percent(player.process.pid)
        results[kind] = (percent, player.log[logged:])
        print(f"{player.size}: {kind} {percent:.2f}% (changed by {shot.diff(before):.1f}/255)", flush=True)
        before = shot
        if kind == "emergency":
            api("DELETE", f"/api/v1/emergency/{emergency}", content.admin)
            before = settle(display, before)
    content.display_hours(None)
    content.loop(content.slide("red"))
    settle(display, before)
    wait_for(display, RED, *player.centre())
    player.stop()

    image = os.path.join(work, f"red-{player.size[0]}x{player.size[1]}.png")
    solid_png(image, player.size, RED)
    feh = subprocess.Popen(["feh", "--fullscreen", image], env=player.env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(display, RED, *player.centre())
    time.sleep(2)
    feh_idle = cpu_percent(feh.pid)
    feh.kill()
    feh.wait()
    return results, transitions, feh_idle


def update_summary(p6_worst, p7):
    """The P6 and P7 rows of the table at the top of BENCHMARKS.md ("Where each figure stands")."""
    path = os.path.join(ROOT, "BENCHMARKS.md")
    text = open(path).read()
    start = text.index("## Where each figure stands")
    end = text.find("\n## ", start + 3)
    end = len(text) if end < 0 else end
    kind, size, percent = p6_worst
    rows = {
        "P6": f"| P6 | player CPU on every kind of still item (slide, event cards, announcement, emergency, blank; "
              f"1080p and LED wall) | worst {percent:.1f}% of a core ({kind}, {size}) | <= 3% | "
              f"{'met' if percent <= GOAL else 'missed'} |",
        "P7": f"| P7 | player start to first slide, offline | {p7:.2f} s | < 2 s | {'met' if p7 < 2 else 'missed'} |",
    }
    table = text[start:end]
    for key, row in rows.items():
        table = re.sub(rf"^\| {key} \|.*$", lambda _: row, table, count=1, flags=re.M)
    open(path, "w").write(text[:start] + table + text[end:])


def main():
    if not os.environ.get("CIVICAST_BENCH_NO_BUILD"):
        subprocess.run(["cargo", "build", "--release", "--workspace", "--bins"], cwd=ROOT, check=True)
    binaries = os.path.join(TARGET, "release")
    work = tempfile.mkdtemp(prefix="civicast-bench-")
    processes = []
    kept = False
    try:
        server = Server(PORT, work)
        processes.append(server.process)
        content = Content(server, work)
        measured = {}
        # The LED wall first, so that the 1080p player, measured last, has the warm cache for P7.
        for number, size in enumerate([LED_WALL, FULL_HD]):
            player = Player(binaries, work, size, number, content, processes)
            measured[size] = measure_size(player, content, work)

        # P7: warm cache (the red slide of 45 s), server down, on the 1080p screen.
        server.process.kill()
        server.process.wait()
        starts = []
        for _ in range(5):
            # With the last player gone, the X screen is back to its empty root window.
            time.sleep(0.5)
            began = time.time()
            process = subprocess.Popen(player.args, env=player.env, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            processes.append(process)
            shown = None
            deadline = time.time() + 60
            while time.time() < deadline:
                seen = pixel(player.display, *player.centre())
                if close(seen, RED) or close(seen, GREEN):
                    shown = time.time()
                    break
                time.sleep(0.02)
            if shown is None:
                raise SystemExit("the player did not show a slide from its cache")
            starts.append(shown - began)
            process.kill()
            process.wait()
        p7 = statistics.median(starts)
    except BaseException:
        kept = True
        print(f"kept {work} for a look (screens read back as shot-*.png)")
        raise
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
        if not kept:
            shutil.rmtree(work, ignore_errors=True)

    rows = []
    worst = None
    for size, (results, transitions, feh_idle) in measured.items():
        name = "1080p" if size == FULL_HD else "LED wall"
        for kind, label in KINDS:
            percent, log = results[kind]
            if worst is None or percent > worst[2]:
                worst = (label, f"{size[0]}x{size[1]}", percent)
            rows.append(("P6", f"{label}, {name} {size[0]}x{size[1]}", f"{percent:.2f}% of one core",
                         f"same player, a transition every second: {transitions:.1f}%; feh idle: {feh_idle:.2f}%",
                         f"{percent / max(transitions, 0.01):.4f}x the transitions", "<= 3% of one core",
                         "met" if percent <= GOAL else "missed"))
            if percent > GOAL:
                print(f"{kind} at {size} above the goal; the player's log meanwhile:\n" + "\n".join(log[-20:]))
    rows.append(("P7", "start to first slide, warm cache, server down", f"{p7:.2f} s (median of 5: "
                 + ", ".join(f"{s:.2f}" for s in starts) + ")", "—", "—", "< 2 s", "met" if p7 < 2 else "missed"))
    lines = [f"Command: `python3 benches/player.py` — {datetime.date.today().isoformat()}, {machine()}, "
             "Xvfb + Mesa lavapipe (no GPU), "
             + (f"player binary {os.environ['CIVICAST_BENCH_PLAYER']} (not the release build), release server."
                if os.environ.get("CIVICAST_BENCH_PLAYER") else "release build."),
             "",
             f"P6: each kind of still item alone in the loop (one item of {ITEM_MS // 1000} s, replayed), its own "
             f"Xvfb screen and player per size; CPU of the player over {SAMPLE_S} s once the screen had changed and "
             f"stood still for {STILL_S} s. Events are submitted by an association and approved by city staff over "
             "the API; the emergency message is posted and cleared by the administrator; the blank screen comes "
             "from the building's display hours set to exclude the present.",
             "", "| # | figure | measured | reference, same run | ratio | goal | |", "| --- | --- | --- | --- | --- | --- | --- |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    write_section("Player (P6, P7)", lines)
    update_summary(worst, p7)


if __name__ == "__main__":
    main()

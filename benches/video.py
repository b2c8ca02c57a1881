#!/usr/bin/env python3
"""Benchmark P11 from the brief's performance table, each figure beside its reference in the same
run, on this machine (software decoding; Xvfb with Mesa's lavapipe / llvmpipe, no GPU):

P11a: CPU of the player while a 1080p30 H.264 video (the server's own rendition of it) plays full
      screen at 1920x1080, over SAMPLE_S, and the frames it dropped; beside `gst-launch-1.0
      playbin` playing the same file to a window of the same size on its own Xvfb screen (its
      default video sink; dropped frames from fpsdisplaysink).
P11b: the time the server takes to make the screens' rendition of a 60 s 4K clip (upload answered
      to rendition finished, as the portal shows it), beside ffmpeg making the same conversion
      directly from the command line.

Usage (from the repository root):  python3 benches/video.py
It builds the release binaries (CIVICAST_BENCH_NO_BUILD=1 uses those already built), needs
Xvfb, ffmpeg and GStreamer's tools and plugins (apt-get install xvfb ffmpeg gstreamer1.0-tools
gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav
mesa-vulkan-drivers), sends traffic only to 127.0.0.1, and writes its results into BENCHMARKS.md
(section "Video (P11)").
"""
import datetime, json, os, re, shutil, subprocess, tempfile, threading, time

from benchlib import ROOT, TARGET, Server, machine, request, write_section

PORT = 18600 + os.getpid() % 300
BASE_DISPLAY = 400 + os.getpid() % 200
SAMPLE_S = int(os.environ.get("SAMPLE_S", "60"))
FULL_HD = (1920, 1080)
CPU_GOAL = 1.3
RENDITION_GOAL = 1.1


def cpu_seconds(pid):
    """User + system CPU of a process and its threads, in seconds."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_percent(pid, seconds):
    c0, t0 = cpu_seconds(pid), time.time()
    time.sleep(seconds)
    return 100 * (cpu_seconds(pid) - c0) / (time.time() - t0)


def make_clip(path, size, seconds):
    """A moving test picture (testsrc2: colour bars, a moving gradient, a counter), H.264 High
    yuv420p at 30 fps with a keyframe every 2 s, as a camera export or an edit suite delivers it."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=size={size[0]}x{size[1]}:rate=30", "-t", str(seconds),
                    "-c:v", "libx264", "-profile:v", "high", "-pix_fmt", "yuv420p", "-preset", "veryfast",
                    "-g", "60", path], check=True)


class Xvfb:
    def __init__(self, number, size):
        self.display = f":{BASE_DISPLAY + number}"
        self.process = subprocess.Popen(["Xvfb", self.display, "-screen", "0", f"{size[0]}x{size[1]}x24",
                                         "-nolisten", "tcp"], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        time.sleep(1)
        self.env = dict(os.environ, DISPLAY=self.display)

    def stop(self):
        self.process.kill()
        self.process.wait()


def playbin_reference(clip, number):
    """(CPU %, rendered, dropped, sink) of gst-launch-1.0 playbin playing `clip` full size on its
    own X screen, sampled over the same SAMPLE_S once it has run for 3 s."""
    screen = Xvfb(number, FULL_HD)
    try:
        process = subprocess.Popen(
            ["gst-launch-1.0", "-v", "playbin", f"uri=file://{clip}",
             "video-sink=fpsdisplaysink text-overlay=false video-sink=autovideosink"],
            env=screen.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines = []
        threading.Thread(target=lambda: [lines.append(line) for line in process.stdout], daemon=True).start()
        time.sleep(3)
        percent = cpu_percent(process.pid, SAMPLE_S)
        process.kill()
        process.wait()
        stats = [re.search(r"rendered: (\d+), dropped: (\d+)", line) for line in lines]
        stats = [m for m in stats if m]
        rendered, dropped = (int(stats[-1].group(1)), int(stats[-1].group(2))) if stats else (None, None)
        sinks = [m.group(1) for m in (re.search(r"actual-sink-(\w+)", line) for line in lines) if m]
        return percent, rendered, dropped, sinks[-1] if sinks else "autovideosink"
    finally:
        screen.stop()


def wait_rendition(server, media_id, timeout=1800):
    """The media entry once its screen rendition is done; fails on a failed job."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        media = server.api("GET", f"/media/{media_id}")
        state = media["video"]["rendition"]["state"]
        if state == "done":
            return media
        if state == "failed":
            raise SystemExit(f"the rendition failed: {media['video']['rendition']['error']}")
        time.sleep(0.1)
    raise SystemExit("the rendition did not finish in time")


def upload(server, path, name):
    _, _, body = request("POST", server.url(f"/media?filename={name}"), server.admin, open(path, "rb").read(),
                         raw=True, ctype="video/mp4")
    return json.loads(body)


def rendition_times(server, work):
    """P11b: (server's seconds, ffmpeg's seconds) for the rendition of a 60 s 4K clip."""
    clip = os.path.join(work, "clip-4k.mp4")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=3840x2160:rate=30",
                    "-t", "60", "-c:v", "libx264", "-profile:v", "high", "-pix_fmt", "yuv420p",
                    "-preset", "ultrafast", "-g", "60", clip], check=True)
    started = time.perf_counter()
    media = upload(server, clip, "entrance-4k.mp4")
    uploaded = time.perf_counter()
    wait_rendition(server, media["id"])
    ours = time.perf_counter() - uploaded
    # ffmpeg alone, with the conversion the server asks of it (the same filters, codec, preset,
    # quality and keyframes; server/src/core/media/video.rs `rendition_args`).
    out = os.path.join(work, "direct.mp4")
    direct_started = time.perf_counter()
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", clip, "-map", "0:v:0",
                    "-vf", "scale=1920:1080,setsar=1,format=yuv420p", "-c:v", "libx264", "-profile:v", "high",
                    "-preset", "fast", "-crf", "20", "-g", "60", "-keyint_min", "60", "-sc_threshold", "0",
                    "-an", "-sn", "-dn", "-map_metadata", "-1", "-movflags", "+faststart", "-f", "mp4", out],
                   check=True)
    direct = time.perf_counter() - direct_started
    return ours, direct, uploaded - started


class Content:
    """A building whose one playlist holds one video slide, and a player paired into it."""

    def __init__(self, server):
        self.server = server
        self.building = server.api("POST", "/buildings", body={"name": "Town hall", "address": "Kortrijk",
                                                               "venue_type": "town_hall"})
        self.playlist = server.api("POST", "/playlists", body={"building_id": self.building["id"],
                                                               "name": "loop"})["id"]

    def play_only(self, media_id):
        path = f"/playlists/{self.playlist}/items"
        for item in self.server.api("GET", path + "?per_page=100")["items"]:
            self.server.api("DELETE", f"{path}/{item['id']}")
        # No duration: the item lasts as long as its video.
        self.server.api("POST", path, body={"kind": "slide", "media_id": media_id})


def start_player(binaries, work, screen, content):
    binary = os.environ.get("CIVICAST_BENCH_PLAYER") or os.path.join(binaries, "civicast-player")
    args = [binary, "--server", f"http://127.0.0.1:{PORT}", "--data-dir", os.path.join(work, "player"),
            "--fullscreen"]
    env = dict(screen.env, RUST_LOG="info,wgpu=error,naga=error")
    process = subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True)
    log = []
    code = None
    for line in process.stderr:
        log.append(line.rstrip())
        found = re.search(r"pairing code (\w+)", line)
        if found:
            code = found.group(1)
            break
    if code is None:
        raise SystemExit("the player ended before pairing:\n" + "\n".join(log[-30:]))
    threading.Thread(target=lambda: [log.append(line.rstrip()) for line in process.stderr], daemon=True).start()
    content.server.api("POST", "/pairing/claim", body={"code": code, "building_id": content.building["id"],
                                                       "name": "Entrance wall"})
    return process, log


def frame_counts(log, since):
    """(shown, dropped) over the player's log lines from `since`: the video module's per-second
    frame report."""
    shown = dropped = 0
    for line in log[since:]:
        found = re.search(r"frames shown (\d+), dropped (\d+)", line)
        if found:
            shown += int(found.group(1))
            dropped += int(found.group(2))
    return shown, dropped


def main():
    if not os.environ.get("CIVICAST_BENCH_NO_BUILD"):
        subprocess.run(["cargo", "build", "--release", "-p", "civicast-server", "-p", "civicast-player"],
                       cwd=ROOT, check=True)
    binaries = os.path.join(TARGET, "release")
    work = tempfile.mkdtemp(prefix="civicast-video-bench-")
    processes = []
    try:
        server = Server(PORT, work)
        processes.append(server.process)
        content = Content(server)

        clip = os.path.join(work, "clip-1080p30.mp4")
        make_clip(clip, FULL_HD, max(SAMPLE_S, 10) + 5)
        media = wait_rendition(server, upload(server, clip, "clip.mp4")["id"])
        rendition = next(r for r in media["renditions"] if r["kind"] == "screen_1080p")
        rendition_path = os.path.join(work, "rendition.mp4")
        with open(rendition_path, "wb") as out:
            _, _, body = request("GET", f"http://127.0.0.1:{PORT}{rendition['content_url']}", server.admin)
            out.write(body)
        content.play_only(media["id"])

        screen = Xvfb(0, FULL_HD)
        processes.append(screen.process)
        player, log = start_player(binaries, work, screen, content)
        processes.append(player)
        deadline = time.time() + 300
        while not any("video" in line and "decoder" in line for line in log):
            if time.time() > deadline or player.poll() is not None:
                raise SystemExit("the player never played the video:\n" + "\n".join(log[-30:]))
            time.sleep(0.5)
        time.sleep(3)
        since = len(log)
        ours = cpu_percent(player.pid, SAMPLE_S)
        shown, dropped = frame_counts(log, since)
        decoder = next((line for line in log if "decoder" in line), "")
        player.kill()
        player.wait()
        screen.stop()

        reference, rendered, ref_dropped, sink = playbin_reference(rendition_path, 1)
        ours_rendition, direct, upload_s = rendition_times(server, work)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)

    # The log line without its colours: "... decoder avdec_h264 (software)".
    plain = re.sub(r"\x1b\[[0-9;]*m", "", decoder)
    decoder_name = plain.split("decoder ", 1)[-1].strip() if "decoder " in plain else "unknown"
    cpu_ratio = ours / max(reference, 0.01)
    rendition_ratio = ours_rendition / direct
    lines = [
        f"Command: `python3 benches/video.py` — {datetime.date.today().isoformat()}, {machine()}, "
        "Xvfb + Mesa lavapipe (no GPU), software decoding, release build.",
        "",
        f"P11a: the server's rendition of a {SAMPLE_S + 5} s 1080p30 H.264 test picture (testsrc2) as the only item "
        f"of a loop, the player full screen at 1920x1080, its CPU over {SAMPLE_S} s from 3 s after the video "
        f"started. Reference: `gst-launch-1.0 playbin` playing the same rendition on its own 1920x1080 Xvfb "
        f"screen through its default sink ({sink}), sampled the same way. Player's decoder: "
        f"`{decoder_name}`.",
        f"P11b: a 60 s 4K (3840x2160, 30 fps) H.264 clip uploaded ({upload_s:.1f} s to answer); the server's time "
        "from the upload's answer to its rendition being done (read from the API every 100 ms), beside ffmpeg "
        "run directly with the conversion the server asks of it.",
        "",
        "| # | figure | measured | reference, same run | ratio | goal | |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| P11 | player CPU, 1080p30 H.264 full screen | {ours:.0f}% of one core | playbin ({sink}): "
        f"{reference:.0f}% | {cpu_ratio:.2f}x | <= {CPU_GOAL}x | {'met' if cpu_ratio <= CPU_GOAL else 'missed'} |",
        f"| P11 | dropped frames over {SAMPLE_S} s | {dropped} of {shown + dropped} | playbin: {ref_dropped} dropped, "
        f"{rendered} rendered | — | 0 | {'met' if dropped == 0 else 'missed'} |",
        f"| P11 | rendition of a 60 s 4K clip | {ours_rendition:.1f} s | ffmpeg directly: {direct:.1f} s | "
        f"{rendition_ratio:.2f}x | <= {RENDITION_GOAL}x | {'met' if rendition_ratio <= RENDITION_GOAL else 'missed'} |",
    ]
    write_section("Video (P11)", lines)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Benchmark P5 from the brief's performance table: a 4K JPEG poster uploaded to the server until
its renditions are finished (the upload answers once the 1080p rendition and the thumbnail are
stored), beside vipsthumbnail (libvips) and ImageMagick making the same two renditions of the
same file, in the same run.

Usage (from the repository root):  python3 benches/renditions.py
It builds the release server, needs libvips-tools and imagemagick (apt-get install libvips-tools
imagemagick), sends traffic only to 127.0.0.1, and writes its results into BENCHMARKS.md (section
"Renditions (P5)"). RUNS (default 9) sets how many times each is timed; medians are reported.
"""
import datetime, json, os, statistics, subprocess, tempfile, time

from benchlib import Server, build_release, machine, request, write_section

PORT = 19600 + os.getpid() % 300
RUNS = int(os.environ.get("RUNS", "9"))
CONVERT = "/usr/bin/convert"  # ImageMagick itself (a stand-in may sit earlier on PATH)


def timed(run):
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def commands(poster, out):
    return {
        "vips1080": [["vipsthumbnail", poster, "-s", "1920x1080", "-o", os.path.join(out, "only.jpg[Q=85]")]],
        "vips": [["vipsthumbnail", poster, "-s", "1920x1080", "-o", os.path.join(out, "screen.jpg[Q=85]")],
                 ["vipsthumbnail", poster, "-s", "320x320", "-o", os.path.join(out, "thumb.jpg[Q=85]")]],
        "imagemagick": [[CONVERT, poster, "-resize", "1920x1080", "-quality", "85", os.path.join(out, "screen.jpg")],
                        [CONVERT, poster, "-resize", "320x320", "-quality", "85", os.path.join(out, "thumb.jpg")]],
    }


def main():
    build_release("civicast-server")
    work = tempfile.mkdtemp(prefix="civicast-renditions-bench-")
    poster = os.path.join(work, "poster.jpg")
    # A photo-like 4K picture (a fractal plasma), as a camera or a designer would deliver it.
    subprocess.run([CONVERT, "-size", "3840x2160", "-seed", "7", "plasma:fractal", "-quality", "92", poster],
                   check=True)
    content = open(poster, "rb").read()
    server = Server(PORT, work)
    try:
        upload_url = server.url("/media?filename=poster.jpg")
        made = None

        def upload(run):
            nonlocal made
            # The same picture with a comment of its own (a JPEG COM segment after the start
            # marker): new content each time, so every run stores its files as a new upload does.
            comment = f"run {run}".encode()
            variant = content[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + content[2:]
            status, _, body = request("POST", upload_url, server.admin, variant, raw=True, ctype="image/jpeg")
            assert status == 201, status
            made = body

        ours = [timed(lambda: upload(run)) for run in range(RUNS)]
        renditions = {r["kind"]: r for r in json.loads(made)["renditions"]}
        assert renditions["screen_1080p"]["width"] == 1920 and renditions["thumbnail"]["width"] == 320, renditions
        references = {}
        for name, steps in commands(poster, work).items():
            references[name] = [timed(lambda: [subprocess.run(step, check=True) for step in steps])
                                for _ in range(RUNS)]
    finally:
        server.stop()

    median = {name: statistics.median(times) * 1000 for name, times in {"civicast": ours, **references}.items()}
    to_vips = median["civicast"] / median["vips"]
    to_magick = median["civicast"] / median["imagemagick"]
    met = to_vips <= 1.2 and to_magick <= 0.5
    spread = lambda times: ", ".join(f"{t * 1000:.0f}" for t in times)
    lines = [
        f"Command: `python3 benches/renditions.py` — {datetime.date.today().isoformat()}, {machine()}, release "
        f"build, median of {RUNS}. The poster: {len(content):,} bytes, 3840x2160 JPEG. Civicast: the upload "
        "over HTTP on 127.0.0.1 until the answer, which comes once the upload is hashed, decoded whole "
        "(the check), its 1920x1080 rendition and 320x180 thumbnail made (Lanczos3) and all three stored. "
        "The references make the same two renditions from the same file (quality 85), one command each; "
        "vipsthumbnail making the 1080p rendition alone is there for scale (the brief's reference figure).",
        "",
        "| # | figure | measured | reference, same run | ratio | goal | |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| P5 | 4K JPEG upload to finished renditions (1080p and thumbnail) | {median['civicast']:.0f} ms "
        f"({spread(ours)}) | vipsthumbnail, twice: {median['vips']:.0f} ms ({spread(references['vips'])}); "
        f"ImageMagick convert -resize, twice: {median['imagemagick']:.0f} ms ({spread(references['imagemagick'])}); "
        f"vipsthumbnail, the 1080p rendition alone: {median['vips1080']:.0f} ms ({spread(references['vips1080'])}) "
        f"| {to_vips:.2f}x vips, {to_magick:.2f}x ImageMagick | <= 1.2x vips, <= 0.5x ImageMagick "
        f"| {'met' if met else 'missed'} |",
    ]
    write_section("Renditions (P5)", lines)


if __name__ == "__main__":
    main()

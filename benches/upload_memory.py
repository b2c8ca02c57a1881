"""Decompression bombs: 20 clients upload at once a 7071x7071 PNG of about 150 KB that unpacks to
150 MB, against the release server with the decode budget off (a budget no upload reaches:
every decode runs at once, as before the budget existed) and with its default of 512 MiB. The
server's peak resident memory (VmHWM) over its resident memory before the uploads, and how long
until every upload had its answer, go into BENCHMARKS.md.

Usage: python3 benches/upload_memory.py   (CIVICAST_BENCH_NO_BUILD=1 to use the built binary)"""
import collections, os, struct, sys, tempfile, threading, time, urllib.error, urllib.request, zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import Server, build_release, machine, write_section  # noqa: E402

SIDE = 7071
CLIENTS = 20


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bombs():
    """CLIENTS PNGs with the same black pixels and each its own text chunk (its own SHA-256)."""
    pixels = zlib.compress((b"\0" + b"\0" * (SIDE * 3)) * SIDE, 9)
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", SIDE, SIDE, 8, 2, 0, 0, 0))
    return [b"\x89PNG\r\n\x1a\n" + header + chunk(b"tEXt", b"Comment\0bomb %d" % n)
            + chunk(b"IDAT", pixels) + chunk(b"IEND", b"") for n in range(CLIENTS)]


def kib(pid, field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field):
            return int(line.split()[1])
    raise KeyError(field)


def run(budget_mb, files, port):
    with tempfile.TemporaryDirectory() as work:
        binary = os.environ.get("CIVICAST_BENCH_SERVER")
        server = Server(port, work, binary=binary, extra_args=["--decode-memory-mb", str(budget_mb)])
        try:
            before = kib(server.process.pid, "VmRSS:")
            statuses = [None] * len(files)

            def upload(n):
                request = urllib.request.Request(
                    server.url("/media?filename=bomb.png"), data=files[n], method="POST",
                    headers={"Authorization": "Bearer " + server.admin, "Content-Type": "image/png"})
                try:
                    with urllib.request.urlopen(request, timeout=600) as response:
                        statuses[n] = response.status
                except urllib.error.HTTPError as error:
                    statuses[n] = error.code
                except OSError as error:
                    statuses[n] = f"no answer: {error}"

            started = time.time()
            threads = [threading.Thread(target=upload, args=(n,)) for n in range(len(files))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.time() - started
            peak = kib(server.process.pid, "VmHWM:")
            return (peak - before) / 1024, before / 1024, elapsed, statuses
        finally:
            server.stop()


def main():
    if not os.environ.get("CIVICAST_BENCH_NO_BUILD"):
        build_release("civicast-server")
    files = bombs()
    lines = [f"`python3 benches/upload_memory.py` on {time.strftime('%Y-%m-%d')}, {machine()}.",
             f"{CLIENTS} clients upload at once a {SIDE}x{SIDE} PNG of {len(files[0]):,} bytes (150 MB "
             "decoded), each with its own SHA-256; the server's peak resident memory (VmHWM) over "
             "what it held before.", "",
             "| decode budget | peak growth | resident before | all answered in | answers |",
             "| --- | --- | --- | --- | --- |"]
    for label, budget, port in [("none (before the fix: every decode at once)", 1048576, 18611),
                                ("512 MiB (the default)", 512, 18612),
                                ("256 MiB", 256, 18613)]:
        grew, before, elapsed, statuses = run(budget, files, port)
        answers = ", ".join(f"{n} x {s}" for s, n in sorted(collections.Counter(map(str, statuses)).items()))
        lines.append(f"| {label} | +{grew:.0f} MiB | {before:.0f} MiB | {elapsed:.1f} s | {answers} |")
        print(lines[-1], flush=True)
    write_section("Decompression bombs: memory under 20 concurrent uploads", lines)


if __name__ == "__main__":
    main()

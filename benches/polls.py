#!/usr/bin/env python3
"""HTTP benchmarks P1 and P2 from the brief's performance table, each beside nginx serving the same
bytes as a static file with an ETag, in the same run, with the same wrk settings.

P1: a player's poll when nothing changed: GET /api/v1/screen/manifest with If-None-Match (304),
    beside nginx answering 304 to the same conditional GET of the same bytes.
P2: the full manifest of a 100-item playlist (200), beside nginx serving those bytes (200).

Usage (from the repository root):  python3 benches/polls.py
It builds the release server, needs wrk and nginx (apt-get install wrk nginx), sends traffic only
to 127.0.0.1, and writes its results into BENCHMARKS.md (section "HTTP (P1, P2)").
WRK_SECONDS (default 10) sets the length of each wrk run.
"""
import datetime, json, os, re, subprocess, tempfile, time
import urllib.error

from benchlib import ROOT, Server, build_release, machine, request, write_section

PORT = 19000 + os.getpid() % 500
NGINX_PORT = PORT + 500
SECONDS = int(os.environ.get("WRK_SECONDS", "10"))
WRK = ["wrk", "-t2", "-c32", f"-d{SECONDS}s", "--latency"]


def wrk(url, headers):
    """Requests per second and the status codes wrk saw (non-2xx/3xx are counted as errors)."""
    args = list(WRK)
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run(args + [url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    return rate, int(errors.group(1)) if errors else 0, p99.group(1) if p99 else "?"


def main():
    build_release("civicast-server")
    work = tempfile.mkdtemp(prefix="civicast-http-bench-")
    # nginx's worker may run as another user (www-data when started as root): it must read these.
    os.chmod(work, 0o755)
    processes = []
    try:
        server = Server(PORT, work)
        processes.append(server.process)
        api = server.api
        admin = server.admin
        building = api("POST", "/buildings", admin, {"name": "Library", "address": "Kortrijk",
                                                      "venue_type": "library"})["id"]
        playlist = api("POST", "/playlists", admin, {"building_id": building, "name": "loop"})["id"]
        for n in range(100):
            api("POST", f"/playlists/{playlist}/items", admin,
                {"kind": "announcement", "text": f"Announcement {n}: the library opens at nine on Sunday"})
        ticket = api("POST", "/pairing", body={"width": 1920, "height": 1080, "player_version": "bench"})
        api("POST", "/pairing/claim", admin, {"code": ticket["code"], "building_id": building, "name": "Entrance"})
        token = api("GET", f"/pairing/{ticket['secret']}")["token"]
        manifest_url = f"http://127.0.0.1:{PORT}/api/v1/screen/manifest"
        _, headers, body = request("GET", manifest_url, token)
        etag = headers["ETag"]
        assert len(json.loads(body)["items"]) == 100

        # nginx, one worker, serving the same bytes with its own ETag.
        static = os.path.join(work, "static")
        os.makedirs(static)
        open(os.path.join(static, "manifest.json"), "wb").write(body)
        conf = os.path.join(work, "nginx.conf")
        open(conf, "w").write(f"""
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  etag on;
  server {{
    listen 127.0.0.1:{NGINX_PORT};
    root {static};
    location / {{ default_type application/json; }}
  }}
}}
""")
        nginx = subprocess.Popen(["nginx", "-c", conf, "-p", work], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        processes.append(nginx)
        time.sleep(0.5)
        nginx_url = f"http://127.0.0.1:{NGINX_PORT}/manifest.json"
        _, nginx_headers, nginx_body = request("GET", nginx_url)
        assert nginx_body == body
        nginx_etag = nginx_headers["ETag"]
        for url, tag, auth in ((manifest_url, etag, token), (nginx_url, nginx_etag, None)):
            try:
                request("GET", url, auth, headers={"If-None-Match": tag})
                raise SystemExit(f"{url} did not answer 304 to its own ETag")
            except urllib.error.HTTPError as error:
                assert error.code == 304, error.code

        auth = {"Authorization": f"Bearer {token}"}
        p2, p2_errors, p2_p99 = wrk(manifest_url, auth)
        p2_ref, _, p2_ref_p99 = wrk(nginx_url, {})
        p1, p1_errors, p1_p99 = wrk(manifest_url, {**auth, "If-None-Match": etag})
        p1_ref, _, p1_ref_p99 = wrk(nginx_url, {"If-None-Match": nginx_etag})
        assert p1_errors == 0 and p2_errors == 0, (p1_errors, p2_errors)
    finally:
        for process in processes:
            process.terminate()
            process.wait()

    rows = [
        ("P1", "player poll, nothing changed (304)", f"{p1:,.0f} req/s (p99 {p1_p99})",
         f"nginx, same bytes, 304: {p1_ref:,.0f} req/s (p99 {p1_ref_p99})", f"{p1 / p1_ref:.2f}x", ">= 0.8x nginx",
         "met" if p1 / p1_ref >= 0.8 else "missed"),
        ("P2", f"full manifest, 100 items, {len(body):,} bytes (200)", f"{p2:,.0f} req/s (p99 {p2_p99})",
         f"nginx, same bytes, 200: {p2_ref:,.0f} req/s (p99 {p2_ref_p99})", f"{p2 / p2_ref:.2f}x", ">= 0.6x nginx",
         "met" if p2 / p2_ref >= 0.6 else "missed"),
    ]
    lines = [f"Command: `python3 benches/polls.py` — {datetime.date.today().isoformat()}, {machine()}, release build, "
             f"`{' '.join(WRK)}` against the server (SQLite, default workers) and nginx (one worker), "
             "both on 127.0.0.1 beside wrk.",
             "", "| # | figure | measured | reference, same run | ratio | goal | |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    write_section("HTTP (P1, P2)", lines)


if __name__ == "__main__":
    main()

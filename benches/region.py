#!/usr/bin/env python3
"""A region (issue 23): two release server instances on one PostgreSQL behind the reference load
balancer, deploy/region/haproxy.cfg used as it is (TLS with a throw-away CA made here by openssl).

P1 through the balancer (the brief's P13): a player's poll when nothing changed (conditional GET,
    304) over HTTPS through HAProxy onto the two instances, beside nginx (one worker) answering 304
    to the same conditional GET of the same bytes as a static file with its ETag, over TLS too,
    same certificate, same wrk settings, in the same run. Goal: >= 0.6x nginx. One instance
    straight over HTTP (no balancer, no TLS) is measured too, as context.
Load: the 10,000-screen load of benches/load.rs (`cargo bench -p civicast-tests --bench load`
    with --base-url) for 5 minutes through the balancer over HTTPS; in the middle one instance is
    killed (SIGKILL) and started again a little later. Reported: the errors by kind (a player
    retries them; only a refused connection, 502, 503 and 504 are expected of an instance going
    away), p50/p99 of polls and play uploads, and whether every play a receipt covered is in
    PostgreSQL's plays table exactly once (the generator, like the player, sends a batch again
    when it got no receipt; the server answers the plays it already has as duplicates).

Usage (from the repository root, as root or as a user that can run PostgreSQL's initdb):
    python3 benches/region.py
Environment: REGION_PARTS (default "p1,load"; "none" only rewrites the section from the kept figures), WRK_SECONDS (10), LOAD_SCREENS (10000),
LOAD_MINUTES (5), KILL_AFTER_S (half the run), RESTART_AFTER_S (30: seconds from the kill to
the restart), PG_BIN (the newest /usr/lib/postgresql/*/bin), REGION_NO_BUILD=1 (use the release server and
LOAD_BIN, the built load bench, as they are: no cargo run that may wait for another's build). Needs haproxy, nginx, wrk, openssl
and PostgreSQL's server binaries (apt-get install haproxy nginx wrk postgresql). Sends traffic
only to 127.0.0.1. Writes the section "Region: two instances on PostgreSQL behind HAProxy" of
BENCHMARKS.md from the figures of this run's parts and of the last run of the others, kept in
$REGION_RESULTS (default /tmp/civicast-region-results.json).
"""
import datetime, glob, resource, json, os, re, shutil, signal, socket, ssl, subprocess, sys, tempfile, threading, time
import urllib.error, urllib.request

from benchlib import ROOT, TARGET, Server, build_release, machine, write_section

HEADING = "Region: two instances on PostgreSQL behind HAProxy"
PARTS = os.environ.get("REGION_PARTS", "p1,load").split(",")
SECONDS = int(os.environ.get("WRK_SECONDS", "10"))
WRK = ["wrk", "-t2", "-c32", f"-d{SECONDS}s", "--latency"]
SCREENS = int(os.environ.get("LOAD_SCREENS", "10000"))
MINUTES = float(os.environ.get("LOAD_MINUTES", "5"))
KILL_AFTER = float(os.environ.get("KILL_AFTER_S", str(MINUTES * 60 / 2)))
RESTART_AFTER = float(os.environ.get("RESTART_AFTER_S", "30"))
RESULTS = os.environ.get("REGION_RESULTS", "/tmp/civicast-region-results.json")
CONFIG = os.path.join(ROOT, "deploy", "region", "haproxy.cfg")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(message):
    print(f"[{datetime.datetime.now(datetime.timezone.utc):%H:%M:%S}] {message}", flush=True)


class Postgres:
    """A throw-away PostgreSQL cluster under /tmp on a free port, as tests/run.sh makes one."""

    def __init__(self):
        self.bin = os.environ.get("PG_BIN") or sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
        self.dir = tempfile.mkdtemp(prefix="civicast-region-pg-", dir="/tmp")
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres")
        data = os.path.join(self.dir, "data")
        subprocess.run(self.as_postgres + [f"{self.bin}/initdb", "-D", data, "-U", "postgres", "--auth=trust",
                                           "-E", "UTF8"], check=True, stdout=subprocess.DEVNULL)
        options = f"-k {self.dir} -p {self.port} -c listen_addresses=127.0.0.1 -c max_connections=200"
        subprocess.run(self.as_postgres + [f"{self.bin}/pg_ctl", "-D", data, "-l", os.path.join(self.dir, "log"),
                                           "-w", "-o", options, "start"], check=True, stdout=subprocess.DEVNULL)
        self.psql("CREATE DATABASE civicast", database="postgres")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/civicast"

    def psql(self, sql, database="civicast"):
        out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
                              "-v", "ON_ERROR_STOP=1", "-At", "-c", sql], check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def stop(self):
        subprocess.run(self.as_postgres + [f"{self.bin}/pg_ctl", "-D", os.path.join(self.dir, "data"), "-m",
                                           "immediate", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


def make_certificates(work):
    """A throw-away CA and a certificate for localhost/127.0.0.1 signed by it (ECDSA P-256)."""
    tls = os.path.join(work, "tls")
    os.makedirs(tls)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run = lambda *args: subprocess.run(["openssl", *args], cwd=tls, check=True, capture_output=True)
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Civicast bench CA")
    run("req", *ec, "-keyout", "key.pem", "-out", "cert.csr", "-subj", "/CN=localhost")
    open(os.path.join(tls, "ext.cnf"), "w").write(
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
        "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "cert.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
        "-extfile", "ext.cnf", "-out", "cert.pem")
    both = os.path.join(tls, "civicast.pem")
    open(both, "wb").write(open(os.path.join(tls, "cert.pem"), "rb").read() + open(os.path.join(tls, "key.pem"), "rb").read())
    os.chmod(tls, 0o755)
    for name in os.listdir(tls):
        os.chmod(os.path.join(tls, name), 0o644)
    return {"dir": tls, "ca": os.path.join(tls, "ca.pem"), "cert": os.path.join(tls, "cert.pem"),
            "key": os.path.join(tls, "key.pem"), "both": both}


def get(url, context=None, headers=None):
    """(status, headers, body) without raising on 304."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wait_ready(url, context=None, seconds=30):
    started = time.time()
    while time.time() - started < seconds:
        try:
            if get(url, context)[0] == 200:
                return time.time() - started
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not answer 200 within {seconds} s")


def wrk(url, headers):
    args = list(WRK)
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run(args + [url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    return {"rate": rate, "errors": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else "", "p99": p99.group(1) if p99 else "?"}


class Region:
    """PostgreSQL, two instances sharing it (and one data folder, for media), HAProxy in front."""

    def __init__(self, work, tls):
        self.work = work
        self.pg = Postgres()
        log(f"PostgreSQL on 127.0.0.1:{self.pg.port}")
        self.args = ["--database-url", self.pg.url, "--trusted-proxies", "127.0.0.1"]
        self.ports = {"a": free_port(), "b": free_port()}
        self.instances = {}
        self.instances["a"] = Server(self.ports["a"], work, extra_args=self.args, log=os.path.join(work, "a.log"))
        self.admin = self.instances["a"].admin
        self.instances["b"] = Server(self.ports["b"], work, extra_args=self.args, log=os.path.join(work, "b.log"))
        self.lb_port = free_port()
        self.haproxy_log = os.path.join(work, "haproxy.log")
        self.haproxy = subprocess.Popen(
            ["haproxy", "-db", "-f", CONFIG], stdout=open(self.haproxy_log, "ab"), stderr=subprocess.STDOUT,
            env={**os.environ, "CIVICAST_LB_BIND": f"127.0.0.1:{self.lb_port}", "CIVICAST_LB_CERT": tls["both"],
                 "CIVICAST_INSTANCE_A": f"127.0.0.1:{self.ports['a']}",
                 "CIVICAST_INSTANCE_B": f"127.0.0.1:{self.ports['b']}"})
        self.context = ssl.create_default_context(cafile=tls["ca"])
        self.base = f"https://localhost:{self.lb_port}"
        wait_ready(self.base + "/readyz", self.context)
        log(f"HAProxy on 127.0.0.1:{self.lb_port} in front of {self.ports}")

    def kill(self, name):
        self.instances[name].process.send_signal(signal.SIGKILL)
        self.instances[name].process.wait()

    def restart(self, name):
        """Starts a killed instance again with the same settings; seconds until it is ready."""
        output = open(os.path.join(self.work, f"{name}.log"), "ab")
        binary = os.path.join(TARGET, "release", "civicast-server")
        self.instances[name].process = subprocess.Popen(
            [binary, "--bind", f"127.0.0.1:{self.ports[name]}", "--data-dir", os.path.join(self.work, "server"),
             *self.args], stdout=output, stderr=output, env={**os.environ, "RUST_LOG": "warn"})
        return wait_ready(f"http://127.0.0.1:{self.ports[name]}/readyz")

    def stop(self):
        for process in [self.haproxy] + [server.process for server in self.instances.values()]:
            if process.poll() is None:
                process.terminate()
                process.wait()
        self.pg.stop()


def p1(region, work, tls):
    """P1 through HAProxy beside nginx over TLS, and one instance over HTTP as context."""
    server = region.instances["a"]
    api = server.api
    building = api("POST", "/buildings", body={"name": "Library", "address": "Kortrijk", "venue_type": "library"})["id"]
    playlist = api("POST", "/playlists", body={"building_id": building, "name": "loop"})["id"]
    for n in range(100):
        api("POST", f"/playlists/{playlist}/items",
            body={"kind": "announcement", "text": f"Announcement {n}: the library opens at nine on Sunday"})
    ticket = api("POST", "/pairing", body={"width": 1920, "height": 1080, "player_version": "bench"})
    api("POST", "/pairing/claim", body={"code": ticket["code"], "building_id": building, "name": "Entrance"})
    token = api("GET", f"/pairing/{ticket['secret']}")["token"]
    auth = {"Authorization": f"Bearer {token}"}
    lb_url = f"{region.base}/api/v1/screen/manifest"
    status, headers, body = get(lb_url, region.context, auth)
    assert status == 200, status
    etag = headers["ETag"]
    # Both instances give the same bytes and the same ETag: a poll may land on either.
    for name, port in region.ports.items():
        _, direct_headers, direct_body = get(f"http://127.0.0.1:{port}/api/v1/screen/manifest", None, auth)
        assert direct_headers["ETag"] == etag and direct_body == body, name
    assert get(lb_url, region.context, {**auth, "If-None-Match": etag})[0] == 304

    static = os.path.join(work, "static")
    os.makedirs(static)
    open(os.path.join(static, "manifest.json"), "wb").write(body)
    nginx_port = free_port()
    conf = os.path.join(work, "nginx.conf")
    # keepalive_requests: nginx closes a keep-alive connection after 1,000 requests by default,
    # and each new TLS connection costs a handshake; HAProxy has no such limit.
    open(conf, "w").write(f"""
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  etag on;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{nginx_port} ssl;
    ssl_certificate {tls['cert']};
    ssl_certificate_key {tls['key']};
    root {static};
    location / {{ default_type application/json; }}
  }}
}}
""")
    nginx = subprocess.Popen(["nginx", "-c", conf, "-p", work], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        nginx_url = f"https://localhost:{nginx_port}/manifest.json"
        wait_ready(nginx_url, region.context)
        status, nginx_headers, nginx_body = get(nginx_url, region.context)
        assert status == 200 and nginx_body == body
        nginx_etag = nginx_headers["ETag"]
        assert get(nginx_url, region.context, {"If-None-Match": nginx_etag})[0] == 304
        rounds = []
        for n in range(2):
            lb = wrk(lb_url, {**auth, "If-None-Match": etag})
            reference = wrk(nginx_url, {"If-None-Match": nginx_etag})
            log(f"P1 round {n + 1}: HAProxy + 2 instances {lb}, nginx {reference}")
            rounds.append({"region": lb, "nginx": reference})
        direct = wrk(f"http://127.0.0.1:{region.ports['a']}/api/v1/screen/manifest", {**auth, "If-None-Match": etag})
        log(f"P1 one instance over HTTP: {direct}")
    finally:
        nginx.terminate()
        nginx.wait()
    return {"date": datetime.date.today().isoformat(), "machine": machine(), "bytes": len(body), "rounds": rounds,
            "direct": direct, "wrk": " ".join(WRK), "load_average": os.getloadavg()}


def load(region, work, tls):
    """The screens' load through HAProxy, one instance killed in the middle and started again."""
    report, acknowledged = os.path.join(work, "load.json"), os.path.join(work, "acknowledged.txt")
    env = {**os.environ, "CARGO_TARGET_DIR": TARGET}
    cargo = ["cargo", "bench", "-p", "civicast-tests", "--bench", "load", "--"]
    if not os.environ.get("LOAD_BIN"):
        subprocess.run(cargo[:-1] + ["--no-run"], cwd=ROOT, env=env, check=True)
    arguments = ["--base-url", region.base,
               "--ca-file", tls["ca"], "--admin-password-file",
               os.path.join(work, "server", "initial-admin-password.txt"), "--screens", str(SCREENS),
               "--minutes", str(MINUTES), "--report-json", report, "--acknowledged-file", acknowledged]
    command = cargo + arguments
    runs = [os.environ["LOAD_BIN"]] + arguments if os.environ.get("LOAD_BIN") else command
    log("load: " + " ".join(runs))
    generator = subprocess.Popen(runs, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    events = {}

    def kill_and_restart(started):
        time.sleep(max(0.0, started + KILL_AFTER - time.time()))
        events["killed_at_s"] = time.time() - started
        region.kill("a")
        log(f"instance a killed (SIGKILL) {events['killed_at_s']:.0f} s into the run")
        time.sleep(RESTART_AFTER)
        events["restarted_at_s"] = time.time() - started
        events["ready_after_s"] = region.restart("a")
        log(f"instance a started again {events['restarted_at_s']:.0f} s into the run, "
            f"ready {events['ready_after_s']:.1f} s later")

    killer = None
    for line in generator.stdout:
        print(line, end="", flush=True)
        if line.strip() == "load started" and killer is None:
            killer = threading.Thread(target=kill_and_restart, args=(time.time(),), daemon=True)
            killer.start()
    assert generator.wait() == 0, "the load generator failed"
    if killer:
        killer.join()
    figures = json.load(open(report))
    figures.update(events)
    # Every play a receipt covered is in the plays table exactly once.
    region.pg.psql("CREATE TABLE bench_acknowledged (id TEXT PRIMARY KEY)")
    subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(region.pg.port), "-U", "postgres", "-d", "civicast",
                    "-v", "ON_ERROR_STOP=1", "-c", f"\\copy bench_acknowledged FROM '{acknowledged}'"],
                   check=True, stdout=subprocess.DEVNULL)
    rows, distinct = map(int, region.pg.psql("SELECT count(*), count(DISTINCT id) FROM plays").split("|"))
    figures["db_rows"], figures["db_distinct_ids"] = rows, distinct
    figures["acknowledged_missing"] = int(region.pg.psql(
        "SELECT count(*) FROM bench_acknowledged a WHERE NOT EXISTS (SELECT 1 FROM plays p WHERE p.id = a.id)"))
    figures["stored_unacknowledged"] = int(region.pg.psql(
        "SELECT count(*) FROM plays p WHERE NOT EXISTS (SELECT 1 FROM bench_acknowledged a WHERE a.id = p.id)"))
    figures["acknowledged_file_lines"] = int(region.pg.psql("SELECT count(*) FROM bench_acknowledged"))
    figures["haproxy_log"] = [line.rstrip() for line in open(region.haproxy_log, errors="replace")
                              if "civicast" in line or "instances" in line][:20]
    figures["server_log_lines"] = {}
    for name in ("a", "b"):
        lines = [line.rstrip() for line in open(os.path.join(work, f"{name}.log"), errors="replace")]
        figures["server_log_lines"][name] = {"count": len(lines), "first": lines[:10]}
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    figures["nofile"] = f"{soft} (soft), {hard} (hard)"
    figures.update({"date": datetime.date.today().isoformat(), "machine": machine(), "command": " ".join(command),
                    "load_average": os.getloadavg()})
    log(json.dumps({k: v for k, v in figures.items() if k != "haproxy_log"}, indent=1))
    return figures


def section(results):
    lines = []
    if "p1" in results:
        r = results["p1"]
        region_rate = sum(x["region"]["rate"] for x in r["rounds"]) / len(r["rounds"])
        nginx_rate = sum(x["nginx"]["rate"] for x in r["rounds"]) / len(r["rounds"])
        ratio = region_rate / nginx_rate
        rounds = "; ".join(f"{x['region']['rate']:,.0f} vs {x['nginx']['rate']:,.0f}" for x in r["rounds"])
        errors = sum(x["region"]["errors"] for x in r["rounds"])
        lines += [
            f"Command: `python3 benches/region.py` (REGION_PARTS=p1) — {r['date']}, {r['machine']}, shared with two "
            "other engineers building and testing at the same time (load average "
            f"{', '.join(f'{x:.1f}' for x in r['load_average'])} at the end). Release server, two instances "
            "(default workers, pool of 16 each) on one PostgreSQL 15 cluster (defaults, fsync on) behind "
            "`deploy/region/haproxy.cfg` as it is (HAProxy terminating TLS with a throw-away ECDSA P-256 "
            f"certificate); nginx with one worker serving the same {r['bytes']:,} bytes as a static file with its ETag "
            "over TLS with the same certificate (`keepalive_requests` raised so that it keeps its connections as "
            f"HAProxy does). `{r['wrk']}` against each, two rounds alternating, everything on 127.0.0.1.",
            "",
            "| # | figure | measured | reference, same run | ratio | goal | |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            f"| P1/P13 | poll, nothing changed (304), HTTPS through HAProxy onto 2 instances on PostgreSQL | "
            f"{region_rate:,.0f} req/s (p99 {', '.join(x['region']['p99'] for x in r['rounds'])}; {errors} non-304) | "
            f"nginx, same bytes, 304 over TLS: {nginx_rate:,.0f} req/s (p99 {', '.join(x['nginx']['p99'] for x in r['rounds'])}) "
            f"| {ratio:.2f}x (rounds: {rounds}) | >= 0.6x nginx | {'met' if ratio >= 0.6 else 'missed'} |",
            f"| context | the same poll straight to one instance over HTTP (no balancer, no TLS) | "
            f"{r['direct']['rate']:,.0f} req/s (p99 {r['direct']['p99']}) | — | — | — | |",
            "",
        ]
    for key in sorted((key for key in results if key.startswith("load")), key=lambda k: -results[k]["screens"]):
        r = results[key]
        polls, uploads = r["polls"], r["uploads"]
        kinds = lambda t: ", ".join(f"{k}: {v}" for k, v in t["error_kinds"].items()) or "none"
        unexpected = (polls["errors"] - polls["retryable_errors"]) + (uploads["errors"] - uploads["retryable_errors"])
        once = (r["acknowledged_missing"] == 0 and r["db_rows"] == r["db_distinct_ids"])
        lines += [
            f"Command: `{r['command'].replace(ROOT + '/', '')}`, started by `python3 benches/region.py` "
            f"(REGION_PARTS=load LOAD_SCREENS={r['screens']}) — {r['date']}, {r['machine']}, shared as above (load average "
            f"{', '.join(f'{x:.1f}' for x in r['load_average'])} at the end). The same region (two instances, "
            "PostgreSQL, HAProxy with TLS); the load generator (one process, one connection pool, HTTPS trusting the "
            "throw-away CA) on the same machine. Each screen polls every 10 s with its ETag, records a play per 10 s "
            "slot and uploads its plays every 60 s; a batch without a receipt stays queued and goes again with the "
            f"next upload, as on the player. Instance a was killed with SIGKILL {r.get('killed_at_s', 0):.0f} s into "
            f"the run and started again {r.get('restarted_at_s', 0):.0f} s in (ready {r.get('ready_after_s', 0):.1f} s "
            "later; HAProxy checks /readyz every second). File descriptors: "
            f"{r.get('nofile', '20000 (soft and hard)')} for every process here; HAProxy derives its maxconn from it "
            "(two descriptors a proxied connection), so about half that many screens' connections at once, where the "
            "configuration asks for at least 50,000 for 10,000 screens.",
            "",
            "| figure | measured |",
            "| --- | --- |",
            f"| screens, run length | {r['screens']}, {r['minutes']:.1f} min ({r['elapsed_s']:.0f} s); seeding "
            f"{r['seeding_s']:.0f} s through the balancer |",
            f"| manifest polls | {polls['count']} ({polls['count'] / r['elapsed_s']:.0f}/s), {r['unchanged']} answered "
            f"304; p50 {polls['p50_ms']:.1f} ms, p99 {polls['p99_ms']:.1f} ms, max {polls['max_ms']:.1f} ms |",
            f"| play uploads | {uploads['count']} ({uploads['count'] / r['elapsed_s']:.0f}/s); p50 "
            f"{uploads['p50_ms']:.1f} ms, p99 {uploads['p99_ms']:.1f} ms, max {uploads['max_ms']:.1f} ms |",
            f"| errors, polls (by kind) | {polls['errors']} ({kinds(polls)}) |",
            f"| errors, uploads (by kind) | {uploads['errors']} ({kinds(uploads)}) |",
            f"| errors of a kind a player should not meet (not a refused connection, 502, 503, 504) | {unexpected} |",
            f"| plays | {r['plays_sent']} sent in uploads (batches sent again counted again), {r['plays_accepted']} "
            f"stored on receipt, {r['plays_duplicates']} answered as duplicates of stored ones; "
            f"{r['plays_acknowledged']} acknowledged (covered by a receipt) |",
            f"| every acknowledged play in PostgreSQL once | {'yes' if once else 'NO'}: {r['db_rows']} rows in `plays`, "
            f"{r['db_distinct_ids']} distinct ids; {r['acknowledged_missing']} acknowledged plays missing; "
            f"{r['stored_unacknowledged']} stored without a receipt reaching the screen (their batch's answer was "
            "lost and the run ended before it went again) |",
            "",
        ]
    # Observations written by hand into $REGION_RESULTS ("notes": a list of lines), e.g. of a run
    # that did not finish.
    return lines + results.get("notes", [])


def main():
    results = {}
    if os.path.exists(RESULTS):
        results = json.load(open(RESULTS))
    if not any(part in ("p1", "load") for part in PARTS):
        # REGION_PARTS=none: the section again from the kept figures (and their "notes").
        write_section(HEADING, section(results))
        return
    if not os.environ.get("REGION_NO_BUILD"):
        build_release("civicast-server")
    work = tempfile.mkdtemp(prefix="civicast-region-bench-")
    os.chmod(work, 0o755)
    tls = make_certificates(work)
    region = Region(work, tls)
    try:
        if "p1" in PARTS:
            results["p1"] = p1(region, work, tls)
        if "load" in PARTS:
            results[f"load-{SCREENS}"] = load(region, work, tls)
    finally:
        region.stop()
        json.dump(results, open(RESULTS, "w"), indent=1)
        log(f"results in {RESULTS}, logs in {work}")
    write_section(HEADING, section(results))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Notifications: 10,000 e-mails queued at once, delivered to a local SMTP server, and a screen's
poll latency while they go out beside without them (issue 21).

Queuing, through the real paths: 200 staff users are created (with a password, so no invitation
is sent), then a verified association submits 50 events; each submission tells every staff
member and administrator (201 of them, immediately by default) in the submission's own
transaction: about 10,050 mails. The server runs without --smtp-url while they are queued, so
nothing is sent yet; it is then restarted with CIVICAST_SMTP_URL pointing at
tests/src/smtp_server.py (aiosmtpd, each message a file), and the whole outbox is due at once.

Delivery: the count of .eml files the SMTP server wrote, sampled every 50 ms from the restart
until the last one; at the end every Message-ID is read back (distinct == count == queued) and
the outbox must say all sent, none failed.

Latency: one paired screen's manifest poll with its device token and If-None-Match (304), as
in benches/polls.py, under wrk --latency: before (queued, no SMTP worker), during the delivery
(wrk starts as soon as the restarted server answers) and after (worker idle).
By default each of wrk's connections waits WRK_DELAY_MS (5) between requests, so the polls
are a steady load (like screens polling) rather than one that takes every core from the mail
worker; WRK_DELAY_MS=0 runs wrk flat out.

Usage (from the repository root):  python3 benches/notifications.py
It builds the release server, needs wrk and Debian's python3-aiosmtpd (apt-get install wrk
python3-aiosmtpd), sends traffic only to 127.0.0.1, and writes its results into BENCHMARKS.md
(section "Notifications: 10,000 e-mails").
Settings: WRK_SECONDS (20), WRK_DELAY_MS (5), NOTIFY_STAFF (200), NOTIFY_EVENTS (50),
CIVICAST_BENCH_DATABASE_URL (a PostgreSQL URL to run on it too; its database is emptied),
CIVICAST_BENCH_SERVER (a server binary to run instead of building the release one).
"""
import concurrent.futures, datetime, email.parser, json, os, re, subprocess, tempfile, threading, time
import urllib.error

from benchlib import ROOT, Server, build_release, machine, request, write_section

PORT = 19600 + os.getpid() % 300
SECONDS = int(os.environ.get("WRK_SECONDS", "20"))
DELAY_MS = int(os.environ.get("WRK_DELAY_MS", "5"))
STAFF = int(os.environ.get("NOTIFY_STAFF", "200"))
EVENTS = int(os.environ.get("NOTIFY_EVENTS", "50"))
BINARY = os.environ.get("CIVICAST_BENCH_SERVER")
WRK = ["wrk", "-t1", "-c16", f"-d{SECONDS}s", "--latency"]
PASSWORD = "a long enough password"


def wrk(url, headers, script):
    args = list(WRK) + ["-s", script]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    started = time.monotonic()
    process = subprocess.Popen(args + [url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return started, process


def wrk_result(process):
    out, err = process.communicate()
    assert process.returncode == 0, err
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def ms(label):
        found = re.search(label + r"\s+([\d.]+)(us|ms|s)\b", out)
        return float(found.group(1)) * units[found.group(2)]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": ms("50%"), "p99": ms("99%"), "errors": int(errors.group(1)) if errors else 0}


def start_smtp(directory):
    process = subprocess.Popen(
        ["/usr/bin/python3", os.path.join(ROOT, "tests", "src", "smtp_server.py"), "--port", "0",
         "--dir", directory, "--watch-stdin"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    assert line.startswith("ready "), line
    return process, int(line.split()[1])


def queue_notifications(server):
    """Creates the staff and the association, pairs a screen, submits the events; returns the
    screen's token."""
    api = server.api
    building = api("POST", "/buildings", body={"name": "Library", "address": "Kortrijk",
                                               "venue_type": "library"})["id"]
    ticket = api("POST", "/pairing", body={"width": 1920, "height": 1080, "player_version": "bench"})
    api("POST", "/pairing/claim", body={"code": ticket["code"], "building_id": building, "name": "Entrance"})
    screen_token = api("GET", f"/pairing/{ticket['secret']}")["token"]

    def staff(n):
        api("POST", "/users", body={"email": f"staff{n}@example.org", "display_name": f"Staff {n}",
                                    "role": "staff", "password": PASSWORD, "language": "nl"})

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(staff, range(STAFF)))
    organisation = api("POST", "/organisations", body={
        "name": "Choir", "kind": "association", "contact_name": "Contact",
        "contact_email": "contact@example.org", "description": ""})
    if not organisation["verified"]:
        api("POST", f"/organisations/{organisation['id']}/verify")
    api("POST", "/users", body={"email": "choir@example.org", "display_name": "Choir", "role": "association",
                                "password": PASSWORD, "organisation_id": organisation["id"]})
    member = api("POST", "/auth/token", body={"email": "choir@example.org", "password": PASSWORD})["token"]
    started = time.monotonic()
    for n in range(EVENTS):
        starts = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=10 + n % 20)
        api("POST", "/events", member, {
            "title": f"Concert {n}", "description": "Open rehearsal, everyone welcome",
            "starts_at": starts.isoformat(), "ends_at": (starts + datetime.timedelta(hours=3)).isoformat(),
            "venue": "Culture centre, Kortrijk", "category": "music",
            "target_audiences": ["seniors", "culture"], "link": "https://choir.example/concert",
            "requested_building_ids": [building]})
    return screen_token, time.monotonic() - started


def poll_target(server, token):
    url = f"http://127.0.0.1:{server.port}/api/v1/screen/manifest"
    _, headers, _ = request("GET", url, token)
    etag = headers["ETag"]
    try:
        request("GET", url, token, headers={"If-None-Match": etag})
        raise SystemExit("the manifest did not answer 304 to its own ETag")
    except urllib.error.HTTPError as error:
        assert error.code == 304, error.code
    return url, {"Authorization": f"Bearer {token}", "If-None-Match": etag}


def count_eml(directory):
    try:
        return sum(1 for name in os.listdir(directory) if name.endswith(".eml"))
    except FileNotFoundError:
        return 0


def run(database, database_url=None):
    work = tempfile.mkdtemp(prefix="civicast-notify-bench-")
    script = os.path.join(work, "delay.lua")
    open(script, "w").write(f"function delay()\n  return {DELAY_MS}\nend\n")
    extra = ["--database-url", database_url] if database_url else []
    os.environ["CIVICAST_PUBLIC_URL"] = f"http://127.0.0.1:{PORT}"
    os.environ.pop("CIVICAST_SMTP_URL", None)
    processes = []
    result = {"database": database}
    try:
        # 1. Queue everything with no SMTP server configured: the outbox fills, nothing is sent.
        server = Server(PORT, work, binary=BINARY, extra_args=extra)
        processes.append(server.process)
        token, result["queue_seconds"] = queue_notifications(server)
        outbox = server.api("GET", "/mail/outbox")
        assert outbox["sent"] == 0 and outbox["sending"] == 0 and outbox["failed"] == 0, outbox
        result["queued"] = queued = outbox["queued"]
        url, headers = poll_target(server, token)
        _, process = wrk(url, headers, script)
        result["before"] = wrk_result(process)
        server.stop()
        processes.remove(server.process)

        # 2. The SMTP server up, the server restarted with it: the whole outbox is due at once.
        smtp_dir = os.path.join(work, "smtp")
        smtp, smtp_port = start_smtp(smtp_dir)
        processes.append(smtp)
        messages = os.path.join(smtp_dir, "messages")
        os.environ["CIVICAST_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_port}"
        samples = []
        done = threading.Event()
        t0 = time.monotonic()

        def sample():
            while not done.is_set():
                samples.append((time.monotonic() - t0, count_eml(messages)))
                if samples[-1][1] >= queued:
                    done.set()
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        server = Server(PORT, work, binary=BINARY, extra_args=extra)
        processes.append(server.process)
        url, headers = poll_target(server, token)
        wrk_started, process = wrk(url, headers, script)
        result["during"] = wrk_result(process)
        wrk_ended = time.monotonic()
        result["wrk_window"] = (wrk_started - t0, wrk_ended - t0)
        deadline = time.monotonic() + 600
        while not done.is_set() and time.monotonic() < deadline:
            time.sleep(0.2)
        done.set()
        sampler.join()
        time.sleep(1.0)  # anything past the count (a duplicate) would show up now
        delivered = count_eml(messages)
        first = next(t for t, n in samples if n > 0)
        last = next(t for t, n in samples if n >= queued)
        per_second = {}
        for t, n in samples:
            per_second[int(t)] = n
        counts = [per_second[s] for s in sorted(per_second)]
        result.update(delivered=delivered, first=first, last=last,
                      rate=queued / (last - first) if last > first else float("inf"),
                      peak=max(b - a for a, b in zip(counts, counts[1:])) if len(counts) > 1 else delivered)
        ids, recipients = [], set()
        parser = email.parser.BytesHeaderParser()
        for name in os.listdir(messages):
            if name.endswith(".eml"):
                with open(os.path.join(messages, name), "rb") as file:
                    headers_of = parser.parse(file)
                ids.append(headers_of["Message-ID"])
                recipients.add(headers_of["To"])
        result["distinct_ids"] = len(set(ids))
        result["recipients"] = len(recipients)
        outbox = server.api("GET", "/mail/outbox")
        result["outbox"] = {k: outbox[k] for k in ("queued", "sending", "sent", "failed")}

        # 3. After: the same server, the worker idle.
        _, process = wrk(url, headers, script)
        result["after"] = wrk_result(process)
    finally:
        os.environ.pop("CIVICAST_SMTP_URL", None)
        for process in processes:
            process.terminate()
            process.wait()
    for phase in ("before", "during", "after"):
        assert result[phase]["errors"] == 0, result
    print(json.dumps(result, indent=1))
    return result


def reset_postgres(url):
    subprocess.run(["psql", url, "-q", "-c", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"], check=True)


def main():
    if not BINARY:
        build_release("civicast-server")
    load_before = os.getloadavg()[0]
    results = [run("SQLite")]
    pg = os.environ.get("CIVICAST_BENCH_DATABASE_URL")
    if pg:
        reset_postgres(pg)
        results.append(run("PostgreSQL", pg))

    load = (f"`{' '.join(WRK)}`, each connection waiting {DELAY_MS} ms between requests (a Lua `delay()`)"
            if DELAY_MS else f"`{' '.join(WRK)}`, flat out")
    lines = [f"Command: `python3 benches/notifications.py` — {datetime.date.today().isoformat()}, {machine()}, "
             f"release build, default workers, load average {load_before:.1f} when it started "
             "(other work on the machine shares the cores when that is above 0.5); the SMTP server is tests/src/smtp_server.py (aiosmtpd, one Python "
             "process writing each message to a file), everything on 127.0.0.1 and the same cores.",
             "",
             f"{STAFF} staff users and the first admin, then {EVENTS} events submitted by a verified association: "
             "each submission writes one outbox row per staff member and admin in its own transaction. They are "
             "queued with no SMTP server configured; the server is then restarted with `CIVICAST_SMTP_URL`, so "
             "every mail is due at the same instant (t = 0, the restart). Delivered = the SMTP server's .eml "
             "files, counted every 50 ms.",
             "",
             "| database | queued | delivered | distinct Message-IDs | outbox after | first at | all in | "
             "rate (first to last) | best second |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        o = r["outbox"]
        lines.append(f"| {r['database']} | {r['queued']:,} (in {r['queue_seconds']:.1f} s) | {r['delivered']:,} | "
                     f"{r['distinct_ids']:,} | {o['sent']:,} sent, {o['failed']} failed, "
                     f"{o['queued'] + o['sending']} waiting | {r['first']:.2f} s | {r['last']:.1f} s | "
                     f"{r['rate']:,.0f} mails/s | {r['peak']:,} |")
    lines += ["",
              f"A screen's manifest poll (304 with If-None-Match, its device token), {load}: before (the queue full, "
              "no SMTP configured), during the delivery (wrk started as soon as the restarted server answered) "
              "and after (the worker idle).",
              "",
              "| database | phase | wrk window | polls/s | p50 | p99 | p99 / before |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        base = r["before"]["p99"]
        for phase in ("before", "during", "after"):
            w = r[phase]
            window = f"{r['wrk_window'][0]:.1f}-{r['wrk_window'][1]:.1f} s" if phase == "during" else ""
            lines.append(f"| {r['database']} | {phase} | {window} | {w['rate']:,.0f} | {w['p50']:.2f} ms | "
                         f"{w['p99']:.2f} ms | {w['p99'] / base:.2f}x |")
    write_section("Notifications: 10,000 e-mails", lines)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""P14: the portal's pages' server time on a city's year.

The server is filled through its own API with 100 buildings (two screens and an audience profile
each), 20 verified associations and 5,000 events: 4,000 approved into three buildings each (so
every building's playlist holds about 120 events) and 1,000 waiting in the moderation queue.
Then, with the server stopped, a year of rollups is written straight into its SQLite database
the way the ingestion leaves them: `play_months` and `play_days` per building, daypart and
month or day, and `play_hours` per screen and hour naming one of the building's events
(100 x 2 x 8,760).

Each page is asked for sequentially over one kept-alive connection as a member of staff (and
the dashboard as an association), 20 times to warm up and 200 times measured; the time is from
the request's first byte to the answer's last, on 127.0.0.1, so it is the server's time plus a
loopback round trip. Pages: the moderation queue, the staff dashboard, the association's
dashboard, a building's calendar (week view), and /reports for the whole year (by building, and
over time).

    python3 benches/portal.py            # builds and runs the release server
    CIVICAST_SERVER_BIN=target/debug/civicast-server python3 benches/portal.py

Writes the "Portal pages (P14)" section of BENCHMARKS.md. Talks to 127.0.0.1 only.
"""
import datetime as dt
import http.client
import json
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

BUILDINGS = 100
SCREENS_PER_BUILDING = 2
ASSOCIATIONS = 20
EVENTS = int(os.environ.get("P14_EVENTS", 5000))  # smaller only to try the script out
PENDING = EVENTS // 5
BUILDINGS_PER_EVENT = 3
WARM_UP = int(os.environ.get("P14_WARM_UP", 20))
MEASURED = int(os.environ.get("P14_MEASURED", 200))
AIM_MS = 50.0
SLOW_MS = 250.0  # a page whose warm-up never beats this is measured SLOW_MEASURED times
SLOW_MEASURED = 20
DAYPARTS = [(7, 9), (9, 12), (12, 14), (14, 17), (17, 19), (19, 22), (22, 7)]
VENUES = ["town_hall", "library", "swimming_pool", "sports_hall", "culture_centre", "museum", "youth_centre", "service_centre"]
CATEGORIES = ["sports", "culture", "music", "youth", "family", "seniors", "education", "community"]
SEGMENTS = ["youth", "families", "seniors", "students", "sports", "culture", "newcomers", "tourists"]


def daypart_of(hour):
    for start, end in DAYPARTS:
        if (start < end and start <= hour < end) or (start > end and (hour >= start or hour < end)):
            return f"{start:02}-{end:02}"
    raise ValueError(hour)


def stamp(moment):
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def fill(server):
    """Buildings, screens, profiles, associations and events through the API; returns what the
    rollups and the pages need."""
    rows = []
    for start, end in DAYPARTS:
        for day_type in ["weekday", "weekend"]:
            rows.append({"daypart": f"{start:02}-{end:02}", "day_type": day_type,
                         "visitors_per_hour": 120.0, "dwell_s": 40.0, "visibility": 0.6,
                         "segments": {"youth": 0.2, "seniors": 0.3, "families": 0.25}})
    buildings, screens = [], {}
    for b in range(BUILDINGS):
        building = server.api("POST", "/buildings", body={
            "name": f"Gebouw {b:03}", "address": f"Straat {b}", "venue_type": VENUES[b % len(VENUES)]})
        buildings.append(building["id"])
        server.api("PUT", f"/buildings/{building['id']}/audience", body={"source": "bench", "rows": rows})
        screens[building["id"]] = [server.api("POST", "/screens", body={
            "building_id": building["id"], "name": f"Scherm {s + 1}", "kind": "information_screen",
            "width": 1920, "height": 1080, "orientation": "landscape"})["id"]
            for s in range(SCREENS_PER_BUILDING)]
    organisations = []
    for a in range(ASSOCIATIONS):
        organisation = server.api("POST", "/organisations", body={
            "name": f"Vereniging {a:02}", "kind": "association", "contact_name": f"Contact {a}",
            "contact_email": f"contact{a}@vereniging.example"})
        server.api("POST", f"/organisations/{organisation['id']}/verify")
        organisations.append(organisation["id"])
    member = server.api("POST", "/users", body={
        "email": "lid@vereniging.example", "display_name": "Lid", "password": "a-long-member-password",
        "role": "association", "organisation_id": organisations[0]})
    member_token = server.api("POST", "/auth/token", token="", body={
        "email": member["email"], "password": "a-long-member-password"})["token"]
    staff = server.api("POST", "/users", body={
        "email": "staff@stad.example", "display_name": "Communicatie", "password": "a-long-staff-password",
        "role": "staff"})
    staff_token = server.api("POST", "/auth/token", token="", body={
        "email": staff["email"], "password": "a-long-staff-password"})["token"]

    rng = random.Random(14)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)

    def submit(n):
        starts = now + dt.timedelta(days=2 + rng.randrange(360), hours=rng.randrange(10))
        chosen = rng.sample(buildings, BUILDINGS_PER_EVENT)
        event = server.api("POST", "/events", body={
            "organisation_id": organisations[n % ASSOCIATIONS], "title": f"Activiteit {n:04}",
            "description": "Een avond voor de hele buurt.", "starts_at": starts.isoformat(),
            "ends_at": (starts + dt.timedelta(hours=3)).isoformat(), "venue": "Zaal De Markt",
            "category": CATEGORIES[n % len(CATEGORIES)],
            "target_audiences": rng.sample(SEGMENTS, 2), "requested_building_ids": chosen})
        if n >= PENDING:
            server.api("POST", f"/events/{event['id']}/approve", body={"building_ids": chosen})
        return event["id"], chosen, n >= PENDING

    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        events = list(pool.map(submit, range(EVENTS)))
    print(f"filled {BUILDINGS} buildings and {EVENTS} events in {time.monotonic() - started:.0f} s", flush=True)
    return buildings, screens, organisations, events, member_token, staff_token


def write_rollups(database, buildings, screens, organisations, events):
    """A year of rollups up to today, as the rollup job writes them."""
    approved_in = {b: [] for b in buildings}
    for n, (event_id, chosen, approved) in enumerate(events):
        if approved:
            for b in chosen:
                approved_in[b].append((event_id, organisations[n % ASSOCIATIONS], CATEGORIES[n % len(CATEGORIES)]))
    today = dt.datetime.now(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    start = today - dt.timedelta(days=365)
    connection = sqlite3.connect(database)
    hours, days = [], {}
    for b in buildings:
        items = approved_in[b] or [(None, None, None)]
        for h in range(365 * 24):
            moment = start + dt.timedelta(hours=h)
            local = moment + dt.timedelta(hours=1)  # Brussels, near enough for a fill
            daypart = daypart_of(local.hour)
            day_type = "weekend" if local.weekday() >= 5 else "weekday"
            plays = 86
            impressions = 120.0 * (40.0 + 8.0) / 3600.0 * 0.6 * plays
            for s, screen in enumerate(screens[b]):
                event_id, organisation_id, category = items[(h + s) % len(items)]
                hours.append((stamp(moment), screen, event_id or f"slide-{b}", 1, b,
                              "event" if event_id else "announcement", event_id, organisation_id, category,
                              daypart, day_type, local.hour, plays, plays, plays * 8000, impressions))
                key = (stamp(moment.replace(hour=0)), b, daypart, day_type)
                total = days.setdefault(key, [0, 0, 0.0])
                total[0] += plays
                total[1] += plays * 8000
                total[2] += impressions
        if len(hours) > 200_000:
            connection.executemany(
                "INSERT INTO play_hours (hour, screen_id, item_key, profile_version, building_id, kind, event_id, "
                "organisation_id, category, daypart, day_type, local_hour, plays, complete, played_ms, impressions) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", hours)
            hours.clear()
    connection.executemany(
        "INSERT INTO play_hours (hour, screen_id, item_key, profile_version, building_id, kind, event_id, "
        "organisation_id, category, daypart, day_type, local_hour, plays, complete, played_ms, impressions) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", hours)
    connection.executemany(
        "INSERT INTO play_days (day, building_id, daypart, day_type, profile_version, plays, complete, "
        "played_ms, impressions) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)",
        [(day, b, daypart, day_type, v[0], v[0], v[1], v[2]) for (day, b, daypart, day_type), v in days.items()])
    # The monthly rows, as the ingestion adds them beside the daily ones.
    connection.execute(
        "INSERT INTO play_months (month, building_id, daypart, day_type, profile_version, plays, complete, "
        "played_ms, impressions) SELECT substr(day, 1, 7) || '-01 00:00:00', building_id, daypart, day_type, "
        "profile_version, SUM(plays), SUM(complete), SUM(played_ms), SUM(impressions) FROM play_days "
        "GROUP BY substr(day, 1, 7), building_id, daypart, day_type, profile_version")
    connection.commit()
    connection.execute("ANALYZE")
    hour_rows = connection.execute("SELECT COUNT(*) FROM play_hours").fetchone()[0]
    day_rows = connection.execute("SELECT COUNT(*) FROM play_days").fetchone()[0]
    connection.close()
    return hour_rows, day_rows, start.date(), today.date()


def timed(port, token, path):
    """Milliseconds per request for `path` over one kept-alive connection, after a warm-up."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Cookie": f"civicast_session={token}; civicast_lang=nl"}
    samples = []
    measured = MEASURED
    for n in range(WARM_UP + MEASURED):
        if n == WARM_UP:
            if min(samples) > SLOW_MS:
                # A page this slow is measured fewer times, so that the run stays minutes
                # long; the table says how many.
                measured = SLOW_MEASURED
            samples = []
        if n >= WARM_UP + measured:
            break
        began = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - began) * 1000.0
        if response.status != 200:
            raise SystemExit(f"{path}: {response.status} {body[:300]!r}")
        samples.append(elapsed)
    connection.close()
    samples.sort()
    p99 = samples[max(0, int(len(samples) * 0.99) - 1)] if len(samples) >= 100 else samples[-1]
    return statistics.median(samples), p99, len(body), len(samples)


def main():
    binary = os.environ.get("CIVICAST_SERVER_BIN")
    if not binary:
        benchlib.build_release("civicast-server")
    build = os.environ.get("P14_BUILD") or ("debug build" if binary and "/debug/" in binary else "release build")
    kept = os.environ.get("P14_WORK")  # a folder to keep the filled city in, and reuse it
    with tempfile.TemporaryDirectory(prefix="civicast-p14-") as scratch:
        work = kept or scratch
        port = 18740
        filled = os.path.join(work, "filled.json")
        if kept and os.path.exists(filled):
            buildings, member_token, staff_token, hour_rows, day_rows, first_day, last_day = json.load(open(filled))
        else:
            server = benchlib.Server(port, work, binary=binary)
            try:
                buildings, screens, organisations, events, member_token, staff_token = fill(server)
            finally:
                server.stop()
            database = os.path.join(work, "server", "civicast.db")
            started = time.monotonic()
            hour_rows, day_rows, first_day, last_day = write_rollups(
                database, buildings, screens, organisations, events)
            first_day, last_day = str(first_day), str(last_day)
            print(f"wrote {hour_rows} play_hours and {day_rows} play_days rows in {time.monotonic() - started:.0f} s",
                  flush=True)
            json.dump([buildings, member_token, staff_token, hour_rows, day_rows, first_day, last_day], open(filled, "w"))
        server = benchlib.Server(port, work, binary=binary)
        try:
            year = f"from={first_day}&to={last_day}"
            week = (dt.date.today() + dt.timedelta(days=30)).isoformat()
            pages = [
                ("moderation queue (1,000 waiting)", staff_token, "/moderation"),
                ("staff dashboard", staff_token, "/"),
                ("association dashboard", member_token, "/"),
                ("a building's calendar, week view", staff_token, f"/buildings/{buildings[7]}/calendar?view=week&date={week}"),
                ("a year's report, by building", staff_token, f"/reports?by=building&{year}"),
                ("a year's report, by event", staff_token, f"/reports?by=event&{year}"),
                ("an association's year report", member_token, f"/reports?by=event&{year}"),
            ]
            results = []
            for name, token, path in pages:
                median, p99, size, count = timed(port, token, path)
                print(f"{name}: median {median:.1f} ms, p99 {p99:.1f} ms ({size} bytes, {count} times)", flush=True)
                results.append((name, path, median, p99, size, count))
        finally:
            server.stop()
    lines = [
        f"Measured {dt.date.today()} on {benchlib.machine()}, the server's {build}, SQLite.",
        f"Command: `{'CIVICAST_SERVER_BIN=' + binary + ' ' if binary else ''}python3 benches/portal.py`.",
        "",
        f"The city: {BUILDINGS} buildings with {SCREENS_PER_BUILDING} screens each, {ASSOCIATIONS} associations, "
        f"{EVENTS:,} events ({EVENTS - PENDING:,} approved into {BUILDINGS_PER_EVENT} buildings each, "
        f"{PENDING:,} waiting), a year of rollups ({hour_rows:,} `play_hours` rows, {day_rows:,} `play_days` "
        f"rows, {first_day} to {last_day}). Each page {MEASURED} times over one kept-alive connection after "
        f"{WARM_UP} to warm up; time from request to the last byte on 127.0.0.1.",
        "",
        "| page | median | p99 | aim (p99) | page size | requests | |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, path, median, p99, size, count in results:
        where = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "{id}", path)
        slowest = "p99" if count >= 100 else "slowest"
        lines.append(f"| {name} (`{where}`) | {median:.1f} ms | {p99:.1f} ms ({slowest}) | < {AIM_MS:.0f} ms | "
                     f"{size / 1024:.0f} KiB | {count} | {'met' if p99 < AIM_MS else 'missed'} |")
    benchlib.write_section("Portal pages (P14)", lines)


if __name__ == "__main__":
    main()

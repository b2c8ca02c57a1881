#!/usr/bin/env python3
"""Part of benchmark P9 at the brief's scale: an emergency message from the staff's request until
the push stream of every one of 50 screens has delivered it, beside the poll interval (10 s) that
a player without the push channel would wait. The screens here are stream clients, not players:
the pixels of real players are measured by the end-to-end tests (3 players fit on 2 cores), and
this shows the server's side for 50.

Usage (from the repository root):  python3 benches/emergency.py
It builds the release server, sends traffic only to 127.0.0.1, and writes its result into
BENCHMARKS.md (section "Emergency message to 50 screens (P9, server side)"). SCREENS (default
50) and RUNS (default 5) change the size.
"""
import datetime, http.client, json, os, statistics, tempfile, threading, time

from benchlib import Server, build_release, machine, write_section

PORT = 19500 + os.getpid() % 100
SCREENS = int(os.environ.get("SCREENS", "50"))
RUNS = int(os.environ.get("RUNS", "5"))


def follow(token, seen, ready):
    """Reads the screen's stream; records when each message id first arrives."""
    connection = http.client.HTTPConnection("127.0.0.1", PORT)
    connection.request("GET", "/api/v1/screen/emergency/stream", headers={"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    assert response.status == 200, response.status
    ready.release()
    event = None
    while True:
        line = response.readline()
        if not line:
            return
        line = line.decode().rstrip("\n")
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: ") and event == "emergency":
            state = json.loads(line[6:])
            arrived = time.perf_counter()
            if state.get("message"):
                seen.setdefault(state["message"]["id"], arrived)


def main():
    build_release("civicast-server")
    work = tempfile.mkdtemp(prefix="civicast-emergency-bench-")
    server = Server(PORT, work)
    try:
        building = server.api("POST", "/buildings", body={"name": "Town hall", "address": "Kortrijk",
                                                          "venue_type": "town_hall"})["id"]
        ready = threading.Semaphore(0)
        screens = []
        for n in range(SCREENS):
            screen = server.api("POST", "/screens", body={"building_id": building, "name": f"Screen {n}",
                                                          "kind": "information_screen", "width": 1920,
                                                          "height": 1080, "orientation": "landscape"})
            token = server.api("POST", f"/screens/{screen['id']}/token")["token"]
            seen = {}
            threading.Thread(target=follow, args=(token, seen, ready), daemon=True).start()
            screens.append(seen)
        for _ in range(SCREENS):
            assert ready.acquire(timeout=30), "a stream did not open"
        time.sleep(1)
        slowest = []
        for run in range(RUNS):
            posted = time.perf_counter()
            message = server.api("POST", "/emergency", body={"text": f"The building closes now ({run})"})
            deadline = time.time() + 30
            while not all(message["id"] in seen for seen in screens):
                assert time.time() < deadline, "a screen never got the message"
                time.sleep(0.005)
            slowest.append(max(seen[message["id"]] for seen in screens) - posted)
            server.api("DELETE", f"/emergency/{message['id']}")
            time.sleep(1)
    finally:
        server.stop()
    median_ms = statistics.median(slowest) * 1000
    lines = [
        f"Command: `python3 benches/emergency.py` — {datetime.date.today().isoformat()}, {machine()}, release "
        f"build, {SCREENS} screens each holding its push stream (Server-Sent Events) open, on 127.0.0.1; from the "
        "staff's request until the last of them has the message, "
        f"{RUNS} messages posted and cleared in turn.",
        "",
        "| # | figure | measured | reference | ratio | goal | |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| P9 | staff action to the message on the last of {SCREENS} screens' streams (server side) | "
        f"{median_ms:.0f} ms median ({', '.join(f'{s * 1000:.0f}' for s in slowest)} ms) | the poll interval: 10 s | "
        f"{median_ms / 10000:.3f}x | < 2 s on 50 players, pixels included | the server's part: "
        f"{'within' if median_ms < 2000 else 'over'} 2 s |",
    ]
    write_section(f"Emergency message to {SCREENS} screens (P9, server side)", lines)


if __name__ == "__main__":
    main()

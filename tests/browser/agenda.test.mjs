// The public agenda and the kiosk report in a real browser. A visitor, never signed in, reads
// the agenda on a phone and a desktop in Dutch and English, filters it by category, opens an
// event's public page (the address of the screens' QR codes) and meets the page of an event
// that is not public; no cookie is set along the way. Staff see the public page's visits on the
// event page, and the kiosk report (sessions uploaded by a kiosk player) with a daypart under
// 10 sessions shown as <10. Every page is checked at 390 and 1440 px with axe-core
// (checkPage); the screenshots land in screenshots/agenda/.
//
// On its own: CIVICAST_SERVER_BIN=<path> node --test agenda.test.mjs (in tests/browser).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  base, startCivicast, stopCivicast, api, poster, newPage, watch as watchAll, signIn, checkPage, uuidv7,
} from "./harness.mjs";

const MEMBER = { email: "an@koor.example", password: "a-long-choir-password" };
const DAY = 24 * 3600 * 1000;
const events = {};
let library;
let kiosk;
let kioskToken;

/// The harness's watch, where a 404 or 422 that a page answers on purpose is not a fault.
function watch(page) {
  const seen = watchAll(page);
  return { clean: (name) => seen.clean(name) };
}

/// An event of the choir, starting `inDays` days from now.
async function submit(token, title, inDays, extra = {}) {
  const starts = new Date(Date.now() + inDays * DAY);
  return api("POST", "/events", {
    title,
    description: "Een avond vol muziek.\nIedereen welkom, ook zonder kaartje.",
    starts_at: starts.toISOString(),
    ends_at: new Date(starts.getTime() + 3 * 3600 * 1000).toISOString(),
    venue: "Concertzaal De Spil",
    category: "music",
    target_audiences: ["culture"],
    link: "https://koor.example/winterconcert",
    requested_building_ids: [library.id],
    ...extra,
  }, token);
}

/// Kiosk sessions of 30 s and more, `count` of them from `hour`:30 UTC yesterday.
function sessions(count, hour, viewed) {
  const yesterday = new Date(Date.now() - DAY);
  yesterday.setUTCHours(hour, 30, 0, 0);
  return Array.from({ length: count }, (_, n) => {
    const started = new Date(yesterday.getTime() + n * 60000);
    return {
      id: uuidv7(),
      screen_id: kiosk.id,
      started_at: started.toISOString(),
      ended_at: new Date(started.getTime() + (30 + n * 10) * 1000).toISOString(),
      language: n % 3 === 0 ? "fr" : "nl",
      pages: ["whats_on", "event", "map"],
      events_viewed: [viewed],
      qr_shown: 1,
      searches: n % 2,
    };
  });
}

before(async () => {
  await startCivicast("agenda");
  library = await api("POST", "/buildings", { name: "Bibliotheek", address: "Bibliotheekstraat 1", venue_type: "library" });
  const choir = await api("POST", "/organisations", {
    name: "Koor De Nachtegaal", kind: "association", contact_name: "An Claes", contact_email: MEMBER.email,
  });
  await api("POST", `/organisations/${choir.id}/verify`);
  await api("POST", "/users", {
    email: MEMBER.email, display_name: "An", password: MEMBER.password, role: "association",
    organisation_id: choir.id, language: "nl",
  });
  const member = (await fetch(`${base}/api/v1/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: MEMBER.email, password: MEMBER.password }),
  }).then((r) => r.json())).token;
  const media = await fetch(`${base}/api/v1/media?filename=concert.png`, {
    method: "POST",
    headers: { authorization: `Bearer ${member}`, "content-type": "image/png" },
    body: readFileSync(poster("concert.png", "1080x1350")),
  }).then((r) => r.json());
  assert.ok(media.id, `the poster was uploaded: ${JSON.stringify(media)}`);
  events.concert = await submit(member, "Winterconcert van De Nachtegaal", 2, { poster_media_id: media.id });
  events.match = await submit(member, "Finale van het zaalvoetbaltornooi met een lange naam", 5, {
    category: "sports", venue: "Sporthal Ter Beke", description: "", link: null,
  });
  events.rehearsal = await submit(member, "Open repetitie", 9);
  events.pending = await submit(member, "Quizavond", 3);
  for (const event of [events.concert, events.match, events.rehearsal]) {
    await api("POST", `/events/${event.id}/approve`, { building_ids: [library.id] });
  }
  // A kiosk at the library's door, and what its visitors did yesterday: 12 sessions in the
  // morning (09-12 in Brussels), 4 in the afternoon (14-17), 3 in the evening (19-22). With
  // one small daypart alone the next smallest would be hidden too, so that the total cannot
  // give it away; two small ones hide each other.
  const ticket = await fetch(`${base}/api/v1/pairing`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ width: 1080, height: 1920, player_version: "test" }),
  }).then((r) => r.json());
  kiosk = await api("POST", "/pairing/claim", { code: ticket.code, building_id: library.id, name: "Kiosk aan de ingang", kind: "kiosk" });
  kioskToken = (await fetch(`${base}/api/v1/pairing/${ticket.secret}`).then((r) => r.json())).token;
  const receipt = await api("POST", "/screen/plays", {
    plays: [],
    kiosk_sessions: [
      ...sessions(12, 9, events.concert.id),
      ...sessions(4, 14, events.match.id),
      ...sessions(3, 18, events.match.id),
    ],
  }, kioskToken);
  assert.equal(receipt.kiosk_sessions_settled, 19, JSON.stringify(receipt));
});

after(stopCivicast);

test("a visitor reads the agenda without signing in and without cookies", async (t) => {
  const visitor = await newPage("nl-BE");
  const seen = watch(visitor);

  await t.test("the agenda lists the approved events, soonest first, in Dutch", async () => {
    await visitor.goto(`${base}/agenda`);
    assert.equal(await visitor.locator("h1").innerText(), "Agenda");
    const titles = await visitor.$$eval(".agenda-item h3 a", (as) => as.map((a) => a.textContent));
    assert.deepEqual(titles, [
      "Winterconcert van De Nachtegaal",
      "Finale van het zaalvoetbaltornooi met een lange naam",
      "Open repetitie",
    ]);
    assert.match(await visitor.locator("#agenda-count").innerText(), /3 activiteiten/);
    const thumbnail = visitor.locator(".agenda-item img").first();
    assert.ok(await thumbnail.evaluate((img) => img.complete && img.naturalWidth > 0), "the poster's thumbnail loads");
    await checkPage(visitor, "agenda-nl");
  });

  await t.test("a filter keeps the sports events only, and says how to see them all again", async () => {
    await visitor.selectOption("#category", "sports");
    await visitor.click("#agenda-filters button[type=submit]");
    await visitor.waitForURL(/category=sports/);
    const titles = await visitor.$$eval(".agenda-item h3 a", (as) => as.map((a) => a.textContent));
    assert.deepEqual(titles, ["Finale van het zaalvoetbaltornooi met een lange naam"]);
    assert.equal(await visitor.locator("#category").inputValue(), "sports", "the choice stays");
    assert.match(await visitor.locator("#agenda-count").innerText(), /1 activiteit · Toon alle activiteiten/);
    await checkPage(visitor, "agenda-filtered-nl");
    // Today nothing is planned: the page says so. The quick choice keeps the category.
    await visitor.click(".quick a[href*='day=today']");
    assert.match(visitor.url(), /category=sports/);
    assert.match(await visitor.locator("#agenda-empty").innerText(), /Geen activiteiten voor deze keuze/);
    // This weekend, then the form: the day chosen stays while the category is left open.
    await visitor.click(".quick a[href*='day=weekend']");
    await visitor.selectOption("#category", "");
    await visitor.click("#agenda-filters button[type=submit]");
    await visitor.waitForURL(/day=weekend/);
    assert.equal(await visitor.locator(".quick a[aria-current=true]").innerText(), "Dit weekend");
  });

  await t.test("the language switch keeps the page and its filters", async () => {
    await visitor.goto(`${base}/agenda?category=music`);
    await visitor.click("a[hreflang=en]");
    await visitor.waitForURL(/lang=en/);
    assert.match(visitor.url(), /category=music/);
    assert.equal(await visitor.getAttribute("html", "lang"), "en");
    assert.match(await visitor.locator("#agenda-count").innerText(), /2 events/);
    await checkPage(visitor, "agenda-en");
  });

  await t.test("an event's public page shows its poster, time, place, organiser and text", async () => {
    await visitor.goto(`${base}/agenda?lang=en`);
    await visitor.click(`a[href^='/agenda/${events.concert.id}']`);
    assert.equal(await visitor.locator("#event-title").innerText(), "Winterconcert van De Nachtegaal");
    assert.match(await visitor.locator("#event-when").innerText(), /^\w{3} \d{1,2} \w{3} \d{4} \d\d:\d\d – .*\d\d:\d\d$/);
    assert.equal(await visitor.locator("#event-place").innerText(), "Concertzaal De Spil");
    assert.equal(await visitor.locator("#event-organiser").innerText(), "Koor De Nachtegaal");
    assert.match(await visitor.locator("#event-text").innerText(), /Iedereen welkom/);
    const image = visitor.locator(".poster img");
    assert.ok(await image.evaluate((img) => img.complete && img.naturalWidth > 0), "the poster loads");
    await checkPage(visitor, "agenda-event-en");
    await visitor.goto(`${base}/agenda/${events.match.id}`);
    await checkPage(visitor, "agenda-event-no-poster-nl");
  });

  await t.test("an event that is not public is not found, in the visitor's language", async () => {
    const response = await visitor.goto(`${base}/agenda/${events.pending.id}?lang=en`);
    assert.equal(response.status(), 404);
    assert.equal(await visitor.locator("h1").innerText(), "Event not found");
    await checkPage(visitor, "agenda-missing-en");
  });

  await t.test("no page of the agenda set a cookie", async () => {
    assert.deepEqual(await visitor.context().cookies(), []);
  });
  seen.clean("the public agenda");
});

test("staff see an event's reach and the kiosks' use", async (t) => {
  const staff = await newPage("en-GB");
  const seen = watch(staff);
  await signIn(staff, "staff@city.example", "staff-password-1");

  await t.test("the event page counts the visits of its public page", async () => {
    // Two more visits of the concert's page, by a person.
    for (let n = 0; n < 2; n += 1) await fetch(`${base}/agenda/${events.concert.id}`);
    await staff.goto(`${base}/events/${events.concert.id}`);
    const visits = Number(await staff.locator("#public-visits").innerText());
    assert.ok(visits >= 3, `the visits counted: ${visits}`);
    await staff.goto(`${base}/events/${events.pending.id}`);
    assert.equal(await staff.locator("#public-visits").count(), 0, "a pending event has no public page");
  });

  await t.test("the kiosk report shows each daypart, a small one as <10", async () => {
    await staff.goto(`${base}/reports`);
    await staff.click("a[href^='/reports/kiosks']");
    assert.equal(await staff.locator("h1").innerText(), "Kiosk use");
    assert.equal(await staff.locator("#kiosk-total").innerText(), "19");
    const rows = await staff.$$eval("#kiosk-report tbody tr", (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("th, td")].map((cell) => cell.innerText.trim())),
    );
    assert.equal(rows.length, 3, JSON.stringify(rows));
    const [morning, afternoon, evening] = rows;
    assert.match(morning[0], /Kiosk aan de ingang/);
    assert.equal(morning[1], "09-12");
    assert.equal(morning[2], "12");
    assert.match(morning[4], /Event pages: 12/);
    assert.doesNotMatch(morning[4], /Service pages/, "pages nobody opened are left out");
    assert.match(morning[7], /Winterconcert van De Nachtegaal \(12\)/);
    assert.match(morning[8], /Français 33\.3%, Nederlands 66\.7%|Nederlands 66\.7%.*Français 33\.3%/);
    assert.equal(afternoon[1], "14-17");
    assert.equal(afternoon[2], "<10");
    assert.equal(afternoon[4], "<10");
    assert.equal(afternoon[5], "<10");
    assert.equal(afternoon[7], "–", "no events named for a small daypart");
    assert.equal(evening[1], "19-22");
    assert.equal(evening[2], "<10");
    await checkPage(staff, "report-kiosks-en");
  });

  await t.test("the same report in Dutch", async () => {
    const staffNl = await newPage("nl-BE");
    await signIn(staffNl, "staff@city.example", "staff-password-1");
    await staffNl.goto(`${base}/reports/kiosks`);
    assert.equal(await staffNl.locator("h1").innerText(), "Gebruik van de kiosken");
    await checkPage(staffNl, "report-kiosks-nl");
  });
  seen.clean("the staff pages");
});

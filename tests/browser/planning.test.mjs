// Planning in a real browser: the dashboard (staff and association), the moderation queue at
// scale (thumbnails, submission dates, requested buildings; several events approved into the
// same buildings; the no-building mistake shown beside the buildings with the selection kept;
// several rejected with one reason after a confirmation), an event sent again after changes
// flagged in the queue with its field-by-field changes and its history, a building's calendar
// (an item inside and outside its schedule window, the default slide, the display hours), and
// removing an event's item from a playlist changing where it is approved, in the API and on
// the association's pages alike. Every page is walked in Dutch and English at 390 and 1440 px
// with axe-core and screenshots (tests/browser/screenshots/planning/).
//
// On its own: CIVICAST_SERVER_BIN=<path> node --test planning.test.mjs (in tests/browser).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  base, startCivicast, stopCivicast, api, newPage, signIn, checkPage, uuidv7, poster,
} from "./harness.mjs";

/// What a user would not see on a page: a script error or an answer 500 or above. A form with
/// mistakes answers 422 on purpose (and Chromium logs every 4xx as a console error), so this
/// is the harness's `watch` without the console.
function watch(page) {
  const seen = [];
  page.on("pageerror", (error) => seen.push(`script error: ${error.message}`));
  page.on("response", (response) => {
    if (response.status() >= 500) seen.push(`${response.status()} from ${response.url()}`);
  });
  return { clean: (name) => assert.deepEqual(seen, [], `nothing went wrong on ${name}`) };
}

const buildings = {};
const events = {};
let memberToken;
let screen;
let screenToken;

const MEMBER = { email: "jan@roodwit.example", password: "a-long-football-password" };
const DAY = 24 * 3600 * 1000;

/// A day as the calendar's date field takes it, `days` from today in Brussels.
function brusselsDay(days) {
  const at = new Date(Date.now() + days * DAY);
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Brussels" }).format(at);
}

async function asMember(method, path, body) {
  return api(method, path, body, memberToken);
}

/// An event of the football club, starting `inDays` days from now, asking for `wanted`.
async function submit(title, inDays, wanted, extra = {}) {
  const starts = new Date(Date.now() + inDays * DAY);
  return asMember("POST", "/events", {
    title,
    description: "Jeugdtornooi op het grasveld",
    starts_at: starts.toISOString(),
    ends_at: new Date(starts.getTime() + 3 * 3600 * 1000).toISOString(),
    venue: "Sportpark Zuid",
    category: "sports",
    target_audiences: ["families"],
    requested_building_ids: wanted.map((b) => b.id),
    ...extra,
  });
}

before(async () => {
  await startCivicast("planning");
  for (const [key, name, venue_type, display_hours] of [
    ["townHall", "Stadhuis", "town_hall", null],
    ["library", "Bibliotheek", "library", { start: "07:00:00", end: "22:00:00" }],
    ["pool", "Zwembad", "swimming_pool", null],
  ]) {
    buildings[key] = await api("POST", "/buildings", { name, address: `${name}straat 1`, venue_type, display_hours });
  }
  const club = await api("POST", "/organisations", {
    name: "Voetbalclub Rood-Wit", kind: "association", contact_name: "Jan Peeters", contact_email: MEMBER.email,
  });
  await api("POST", `/organisations/${club.id}/verify`);
  await api("POST", "/users", {
    email: MEMBER.email, display_name: "Jan", password: MEMBER.password, role: "association",
    organisation_id: club.id, language: "nl",
  });
  memberToken = (await fetch(`${base}/api/v1/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: MEMBER.email, password: MEMBER.password }),
  }).then((r) => r.json())).token;
  // A poster for one of them, to see its thumbnail in the queue.
  const media = await fetch(`${base}/api/v1/media?filename=tornooi.png`, {
    method: "POST",
    headers: { authorization: `Bearer ${memberToken}`, "content-type": "image/png" },
    body: readFileSync(poster("tornooi.png", "1920x1080")),
  }).then((r) => r.json());
  assert.ok(media.id, `the poster was uploaded: ${JSON.stringify(media)}`);
  events.tournament = await submit("Jeugdtornooi", 10, [buildings.townHall, buildings.library], { poster_media_id: media.id });
  events.quiz = await submit("Clubquiz", 12, [buildings.townHall]);
  events.spam = await submit("Gratis bier voor iedereen", 20, []);
  events.bbq = await submit("Barbecue", 30, [buildings.pool]);
  events.dinner = await submit("Mosselsouper", 5, [buildings.townHall]);
  // A screen in the library, which reports plays, and one in the town hall that was paired but
  // never called: offline.
  for (const [building, name] of [[buildings.library, "Leeszaal"], [buildings.townHall, "Inkom"]]) {
    const ticket = await fetch(`${base}/api/v1/pairing`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ width: 1920, height: 1080, player_version: "test" }),
    }).then((r) => r.json());
    const paired = await api("POST", "/pairing/claim", { code: ticket.code, building_id: building.id, name });
    const { token } = await fetch(`${base}/api/v1/pairing/${ticket.secret}`).then((r) => r.json());
    if (name === "Leeszaal") [screen, screenToken] = [paired, token];
  }
});

after(stopCivicast);

test("staff moderate several events at once", async (t) => {
  const staff = await newPage("en-GB");
  const seen = watch(staff);
  await signIn(staff, "staff@city.example", "staff-password-1");

  await t.test("the queue shows each event's poster, submission date and requested buildings, most urgent first", async () => {
    await staff.goto(`${base}/moderation`);
    const titles = await staff.$$eval("#queue tbody tr td:nth-child(3) a", (as) => as.map((a) => a.textContent));
    assert.deepEqual(titles, ["Mosselsouper", "Jeugdtornooi", "Clubquiz", "Gratis bier voor iedereen", "Barbecue"]);
    const row = staff.locator(`#row-${events.tournament.id}`);
    assert.equal(await row.locator("img.thumb").count(), 1, "its poster as a thumbnail");
    assert.ok(await row.locator("img.thumb").evaluate((img) => img.complete && img.naturalWidth > 0), "the thumbnail loads");
    assert.match(await row.innerText(), /Stadhuis, Bibliotheek/);
    const today = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Brussels", day: "numeric", month: "short" }).format(new Date());
    assert.match(await row.innerText(), new RegExp(today), "the day it was submitted");
    assert.match(await staff.locator(`#row-${events.spam.id}`).innerText(), /none in particular/);
    await checkPage(staff, "01-queue-en");
  });

  await t.test("approving with no building ticked says so beside the buildings and keeps the selection", async () => {
    await staff.check(`#pick-${events.tournament.id}`);
    await staff.check(`#pick-${events.quiz.id}`);
    const [response] = await Promise.all([
      staff.waitForResponse((r) => r.url().endsWith("/moderation") && r.request().method() === "POST"),
      staff.click("#approve-selected"),
    ]);
    assert.equal(response.status(), 422);
    assert.equal(await staff.textContent("#building_ids-error"), "Tick at least one building to approve into.");
    assert.ok(await staff.isChecked(`#pick-${events.tournament.id}`), "the ticked events stay ticked");
    assert.ok(await staff.isChecked(`#pick-${events.quiz.id}`));
    assert.ok(!(await staff.isChecked(`#pick-${events.bbq.id}`)));
    await checkPage(staff, "02-queue-no-building-en");
  });

  await t.test("several events are approved into the same buildings at once", async () => {
    await staff.check(`input[name=building_ids][value='${buildings.townHall.id}']`);
    await staff.check(`input[name=building_ids][value='${buildings.library.id}']`);
    await staff.click("#approve-selected");
    await staff.waitForURL(/done=approved_many/);
    assert.match(await staff.textContent(".notice"), /Events approved into the chosen buildings: 2/);
    for (const event of [events.tournament, events.quiz]) {
      const stored = await api("GET", `/events/${event.id}`);
      assert.equal(stored.status, "approved");
      assert.deepEqual(new Set(stored.approved_building_ids), new Set([buildings.townHall.id, buildings.library.id]));
    }
    const titles = await staff.$$eval("#queue tbody tr td:nth-child(3) a", (as) => as.map((a) => a.textContent));
    assert.deepEqual(titles, ["Mosselsouper", "Gratis bier voor iedereen", "Barbecue"], "they left the queue");
  });

  await t.test("rejecting several asks first, then rejects them all with one reason", async () => {
    await staff.check(`#pick-${events.spam.id}`);
    await staff.click("#reject-selected");
    assert.equal(await staff.textContent("#reason-error"), "is required");
    assert.ok(await staff.isChecked(`#pick-${events.spam.id}`));
    await staff.fill("#reason", "Dit is geen activiteit van een vereniging.");
    await staff.click("#reject-selected");
    assert.equal(await staff.textContent("h1"), "Reject the selected events? (1)");
    assert.match(await staff.textContent(".confirm"), /Gratis bier voor iedereen \(Voetbalclub Rood-Wit\) is rejected/);
    assert.match(await staff.textContent(".confirm"), /Dit is geen activiteit van een vereniging\./);
    assert.equal((await api("GET", `/events/${events.spam.id}`)).status, "pending", "nothing happened yet");
    await checkPage(staff, "03-reject-confirm-en");
    await staff.click(".confirm button[type=submit]");
    await staff.waitForURL(/done=rejected_many/);
    const stored = await api("GET", `/events/${events.spam.id}`);
    assert.equal(stored.status, "rejected");
    assert.equal(stored.moderation_note, "Dit is geen activiteit van een vereniging.");
  });

  await t.test("the queue in Dutch", async () => {
    const dutch = await newPage("nl-BE");
    await signIn(dutch, "staff@city.example", "staff-password-1");
    await dutch.goto(`${base}/moderation`);
    assert.equal(await dutch.textContent("#approve-many"), "Aangevinkte activiteiten goedkeuren");
    await checkPage(dutch, "04-queue-nl");
    await dutch.context().close();
  });
  seen.clean("moderation");
  await staff.context().close();
});

test("an event sent again after changes is flagged, with what changed and its history", async () => {
  await api("POST", `/events/${events.bbq.id}/request-changes`, { reason: "Vermeld het uur en de plaats precies." });
  const bbq = await api("GET", `/events/${events.bbq.id}`);
  const moved = new Date(new Date(bbq.starts_at).getTime() + 3600 * 1000);
  await asMember("PUT", `/events/${events.bbq.id}`, {
    title: "Barbecue van de jeugd",
    description: bbq.description,
    starts_at: moved.toISOString(),
    ends_at: bbq.ends_at,
    venue: "Kantine Sportpark Zuid",
    category: bbq.category,
    target_audiences: bbq.target_audiences,
    requested_building_ids: [buildings.pool.id, buildings.townHall.id],
  });
  const decisions = await api("GET", `/events/${events.bbq.id}/decisions`);
  assert.deepEqual(decisions.map((d) => d.decision), ["changes_requested", "resubmitted"]);
  const changes = await api("GET", `/events/${events.bbq.id}/resubmission`);
  assert.deepEqual(changes.changed_fields, ["title", "starts_at", "venue", "requested_building_ids"]);
  assert.equal(changes.previous.title, "Barbecue");
  assert.equal(changes.current.title, "Barbecue van de jeugd");

  for (const [locale, lang] of [["en-GB", "en"], ["nl-BE", "nl"]]) {
    const staff = await newPage(locale);
    await signIn(staff, "staff@city.example", "staff-password-1");
    await staff.goto(`${base}/moderation`);
    const flag = staff.locator(`#row-${events.bbq.id} .flag`);
    assert.equal(await flag.textContent(), lang === "en" ? "Resubmitted after changes" : "Opnieuw ingediend na aanpassing");
    assert.equal(await staff.locator(`#row-${events.dinner.id} .flag`).count(), 0, "a first submission is not flagged");
    await staff.click(`#row-${events.bbq.id} a[href='/events/${events.bbq.id}']`);
    const diff = await staff.$$eval("#resubmission-diff tbody tr", (trs) =>
      trs.map((tr) => Array.from(tr.cells).map((c) => c.textContent.trim())));
    if (lang === "en") {
      assert.deepEqual(diff.map((r) => r[0]), ["Title", "Starts", "Venue", "Buildings asked for"]);
      assert.deepEqual(diff[0], ["Title", "Barbecue", "Barbecue van de jeugd"]);
      assert.deepEqual(diff[2], ["Venue", "Sportpark Zuid", "Kantine Sportpark Zuid"]);
      assert.deepEqual(diff[3], ["Buildings asked for", "Zwembad", "Zwembad, Stadhuis"]);
      assert.match(await staff.textContent("#resubmission"), /The city had asked: Vermeld het uur en de plaats precies\./);
      assert.match(await staff.textContent(".history"), /Changes requested: Vermeld het uur[\s\S]*Resubmitted/);
    } else {
      assert.deepEqual(diff.map((r) => r[0]), ["Titel", "Begint", "Plaats", "Gevraagde gebouwen"]);
      assert.match(await staff.textContent(".history"), /Opnieuw ingediend/);
    }
    await checkPage(staff, `05-resubmission-${lang}`);
    await staff.context().close();
  }
  // A decision ends the comparison: it was about that resubmission.
  await api("POST", `/events/${events.bbq.id}/approve`, { building_ids: [buildings.pool.id] });
  const after = await fetch(`${base}/api/v1/events/${events.bbq.id}/resubmission`, {
    headers: { authorization: `Bearer ${memberToken}` },
  });
  assert.equal(after.status, 404);
});

test("a building's calendar shows what each screen plays at each hour", async (t) => {
  const staff = await newPage("en-GB");
  const seen = watch(staff);
  await signIn(staff, "staff@city.example", "staff-password-1");
  // The library: the approved tournament (from 14 days before it, 4 days ago), and a morning
  // announcement from 09:00 to 12:00.
  const { items: [libraryPlaylist] } = await api("GET", `/playlists?building_id=${buildings.library.id}`);
  await api("POST", `/playlists/${libraryPlaylist.id}/items`, {
    kind: "announcement", text: "Voorleesuurtje voor kleuters", duration_ms: 10000,
    schedule: { time_windows: [{ start: "09:00:00", end: "12:00:00" }] },
  });
  const cell = (hour) => staff.locator(`tr[data-hours~='${hour}'] td`).first();

  await t.test("today: the announcement inside its window only, the event all day, dark outside display hours", async () => {
    await staff.goto(`${base}/buildings/${buildings.library.id}/playlist`);
    await staff.click("#calendar-link");
    await staff.waitForURL(/\/calendar$/);
    assert.match(await staff.textContent("h3"), /Leeszaal/, "the screens that play it are named");
    assert.match(await staff.textContent("#display-hours"), /07:00 to 22:00/);
    assert.match(await cell("10:00").innerText(), /Voorleesuurtje voor kleuters/);
    assert.match(await cell("10:00").innerText(), /Jeugdtornooi/);
    assert.doesNotMatch(await cell("13:00").innerText(), /Voorleesuurtje/, "outside its window");
    assert.match(await cell("13:00").innerText(), /Jeugdtornooi/);
    assert.equal(await cell("06:00").innerText(), "Screen off (display hours)");
    await checkPage(staff, "06-calendar-day-en");
  });

  await t.test("a date before the event's promotion window: only the announcement, else the default slide", async () => {
    await staff.fill("#date", brusselsDay(-6));
    await staff.click("form.filters button[type=submit]");
    await staff.waitForURL(/date=/);
    assert.match(await cell("10:00").innerText(), /Voorleesuurtje/);
    assert.doesNotMatch(await cell("10:00").innerText(), /Jeugdtornooi/, "before its window");
    assert.equal(await cell("15:00").innerText(), "Nothing scheduled: the default slide");
  });

  await t.test("the week view, a building without anything scheduled, and a date that is not one", async () => {
    await staff.goto(`${base}/buildings/${buildings.library.id}/calendar?view=week`);
    assert.equal(await staff.locator("table.calendar-week thead th").count(), 8, "the hour and seven days");
    assert.match(await staff.locator("tr[data-hours~='10:00']").innerText(), /Voorleesuurtje/);
    await checkPage(staff, "07-calendar-week-en");
    await staff.goto(`${base}/buildings/${buildings.pool.id}/calendar`);
    assert.match(await staff.textContent("h3"), /no screens yet/);
    assert.equal(await cell("03:00").innerText(), "Nothing scheduled: the default slide");
    const wrong = await staff.goto(`${base}/buildings/${buildings.pool.id}/calendar?date=31-12-2026`);
    assert.equal(wrong.status(), 422);
    assert.equal(await staff.textContent("#date-error"), "give a date such as 2026-12-20");
    assert.equal(await staff.inputValue("#date"), "", "a date field cannot hold what is not a date");
    const dutch = await newPage("nl-BE");
    await signIn(dutch, "staff@city.example", "staff-password-1");
    await dutch.goto(`${base}/buildings/${buildings.library.id}/calendar`);
    assert.equal(await dutch.locator("tr[data-hours~='06:00'] td").first().innerText(), "Scherm uit (schermuren)");
    await checkPage(dutch, "08-calendar-day-nl");
    await dutch.goto(`${base}/buildings/${buildings.library.id}/calendar?view=week`);
    await checkPage(dutch, "09-calendar-week-nl");
    await dutch.context().close();
  });
  seen.clean("calendar");
  await staff.context().close();
});

test("the dashboard: staff see the work waiting, an association its events and their reach", async (t) => {
  // The library's screen reports 12 plays of the tournament.
  const { items: [libraryPlaylist] } = await api("GET", `/playlists?building_id=${buildings.library.id}`);
  const { items } = await api("GET", `/playlists/${libraryPlaylist.id}/items`);
  const item = items.find((i) => i.event_id === events.tournament.id);
  const plays = [];
  for (let n = 0; n < 12; n++) {
    const started = new Date(Date.now() - (n + 2) * 60_000);
    plays.push({
      id: uuidv7(), schema_version: 1, seq: n + 1, screen_id: screen.id, item_id: item.id,
      kind: item.kind, content_hash: "ab".repeat(32), started_at: started.toISOString(),
      ended_at: new Date(started.getTime() + item.duration_ms).toISOString(),
      planned_ms: item.duration_ms, played_ms: item.duration_ms, clock_offset_ms: 0,
      outcome: "complete", display_on: true, player_version: "test",
    });
  }
  await api("POST", "/screen/plays", { plays }, screenToken);
  const emergency = await api("POST", "/emergency", { text: "Gaslek: verlaat het gebouw", building_id: buildings.townHall.id });

  await t.test("staff: pending, the most urgent first, the emergency, offline screens, this week's plays", async () => {
    for (const [locale, lang] of [["en-GB", "en"], ["nl-BE", "nl"]]) {
      const staff = await newPage(locale);
      const seen = watch(staff);
      await signIn(staff, "staff@city.example", "staff-password-1");
      await staff.waitForURL(`${base}/`);
      assert.equal(await staff.getAttribute("nav a[href='/']", "aria-current"), "page");
      assert.equal(await staff.textContent("#tile-pending"), "1");
      const urgent = await staff.$$eval("#urgent li a", (as) => as.map((a) => a.textContent));
      assert.deepEqual(urgent, ["Mosselsouper"]);
      assert.match(await staff.textContent("#dashboard-emergency"), /Stadhuis[\s\S]*Gaslek: verlaat het gebouw/);
      assert.equal(await staff.textContent("#tile-offline"), "1", "the town hall's screen never called");
      assert.match(await staff.textContent("#offline"), /Inkom \(Stadhuis\)/);
      assert.doesNotMatch(await staff.textContent("#offline"), /Leeszaal/, "the library's screen called");
      assert.equal(await staff.textContent("#tile-plays"), "12");
      assert.match(await staff.textContent("#week-plays"), /Bibliotheek\s*12/);
      if (lang === "nl") assert.equal(await staff.textContent("h1"), "Overzicht");
      await checkPage(staff, `10-dashboard-staff-${lang}`);
      seen.clean(`the staff dashboard in ${lang}`);
      await staff.context().close();
    }
    await api("DELETE", `/emergency/${emergency.id}`);
  });

  await t.test("an association: its events' status, where they play and their reach", async () => {
    for (const [locale, lang] of [["nl-BE", "nl"], ["en-GB", "en"]]) {
      const member = await newPage(locale);
      const seen = watch(member);
      await signIn(member, MEMBER.email, MEMBER.password);
      await member.waitForURL(`${base}/`);
      const row = member.locator(`#own-${events.tournament.id}`);
      assert.match(await row.innerText(), /Bibliotheek, Stadhuis/);
      assert.match(await row.locator("td").nth(3).innerText(), /^12$/);
      assert.equal(await member.textContent("#reach-plays"), "12");
      assert.equal(await member.textContent("#count-approved"), "3");
      assert.equal(await member.textContent("#count-rejected"), "1");
      assert.match(await member.locator(`#own-${events.spam.id}`).innerText(), /geen activiteit van een vereniging/);
      await checkPage(member, `11-dashboard-association-${lang}`);
      seen.clean(`the association's dashboard in ${lang}`);
      await member.context().close();
    }
  });
});

test("removing an event's item from a playlist changes where it is approved, everywhere", async () => {
  const staff = await newPage("en-GB");
  await signIn(staff, "staff@city.example", "staff-password-1");
  await staff.goto(`${base}/buildings/${buildings.library.id}/playlist`);
  await staff.click(`button[aria-label='Remove: Jeugdtornooi (Voetbalclub Rood-Wit)']`);
  assert.equal(await staff.textContent("h1"), "Remove from the playlist: Jeugdtornooi (Voetbalclub Rood-Wit)?");
  assert.match(await staff.textContent(".confirm"), /The event is no longer approved for Bibliotheek/);
  assert.deepEqual(
    new Set((await api("GET", `/events/${events.tournament.id}`)).approved_building_ids),
    new Set([buildings.townHall.id, buildings.library.id]),
    "nothing changed before the confirmation",
  );
  await checkPage(staff, "12-remove-confirm-en");
  await staff.click(".confirm button[type=submit]");
  await staff.waitForURL(/\/playlist\?done=playlist/);
  assert.equal(await staff.locator("#items", { hasText: "Jeugdtornooi" }).count(), 0);
  // The API and the association's pages say the same: the town hall only.
  const stored = await api("GET", `/events/${events.tournament.id}`);
  assert.deepEqual(stored.approved_building_ids, [buildings.townHall.id]);
  assert.equal(stored.status, "approved");
  const own = await asMember("GET", `/events/${events.tournament.id}`);
  assert.deepEqual(own.approved_building_ids, [buildings.townHall.id]);
  const member = await newPage("nl-BE");
  await signIn(member, MEMBER.email, MEMBER.password);
  await member.waitForURL(`${base}/`);
  const placement = await member.locator(`#own-${events.tournament.id} .placement`).innerText();
  assert.match(placement, /Stadhuis/);
  assert.doesNotMatch(placement, /Bibliotheek/);
  await member.goto(`${base}/events/${events.tournament.id}`);
  assert.doesNotMatch(await member.textContent("#placement"), /Bibliotheek/);
  // Put back through the API, the library is where it is approved again.
  const { items: [libraryPlaylist] } = await api("GET", `/playlists?building_id=${buildings.library.id}`);
  await api("POST", `/playlists/${libraryPlaylist.id}/items`, { kind: "event", event_id: events.tournament.id });
  assert.deepEqual(
    (await api("GET", `/events/${events.tournament.id}`)).approved_building_ids,
    [buildings.townHall.id, buildings.library.id],
  );
  await member.context().close();
  await staff.context().close();
});

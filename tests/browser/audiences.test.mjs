// Audiences and reports in a real browser: staff edit a building's audience profile (inline
// errors that keep what was typed, then a new version) and the targeting suggestions follow it,
// in the approve form and in the association's event form; the CSV import page refuses a bad
// file line by line and changes nothing, and imports a good one; the reports page draws its
// charts as labelled SVG in Dutch and English beside their tables; a bad period is an inline
// error that keeps the input; the fairness and delivery pages; an association sees its own reach.
//
// Run alone: CIVICAST_SERVER_BIN=<path> node --test --test-concurrency=1 audiences.test.mjs

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  base, dataDir, startCivicast, stopCivicast, api, uuidv7, newPage, watch, signIn, waitFor, checkPage,
} from "./harness.mjs";

const buildings = {};
const SEGMENTS = ["youth", "families", "seniors", "students", "sports", "culture", "newcomers", "tourists"];
const DAYPARTS = ["07-09", "09-12", "12-14", "14-17", "17-19", "19-22", "22-07"];
const MEMBER = { email: "jo@kreun.example", password: "a-long-member-password" };
let organisation;
let event;

/// A profile in which `youth` of the visitors are young people, at every daypart.
function profile(youth, visitors) {
  const rows = [];
  for (const daypart of DAYPARTS) {
    for (const day_type of ["weekday", "weekend"]) {
      rows.push({ daypart, day_type, visitors_per_hour: visitors, dwell_s: 30, visibility: 0.8, segments: { youth, seniors: 0.2 } });
    }
  }
  return { source: "staff estimate", rows };
}

before(async () => {
  await startCivicast("audiences");
  for (const [key, name, venue_type] of [
    ["library", "Bibliotheek", "library"],
    ["youth", "Jeugdhuis De Kreun", "youth_centre"],
    ["townHall", "Stadhuis", "town_hall"],
  ]) {
    buildings[key] = await api("POST", "/buildings", { name, address: `${name}straat 1`, venue_type });
  }
  await api("PUT", `/buildings/${buildings.library.id}/audience`, profile(0.1, 100));
  await api("PUT", `/buildings/${buildings.youth.id}/audience`, profile(0.5, 50));
  organisation = await api("POST", "/organisations", {
    name: "Jeugdwerking De Kreun", kind: "association", contact_name: "Jo", contact_email: MEMBER.email,
  });
  await api("POST", `/organisations/${organisation.id}/verify`, {});
  await api("POST", "/users", {
    email: MEMBER.email, display_name: "Jo", password: MEMBER.password, role: "association", organisation_id: organisation.id,
  });
  const token = await fetch(`${base}/api/v1/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: MEMBER.email, password: MEMBER.password }),
  }).then((r) => r.json());
  const starts = new Date(Date.now() + 20 * 86400_000);
  event = await api("POST", "/events", {
    title: "Fuif in De Kreun", description: "Dansen tot de ochtend.", starts_at: starts.toISOString(),
    ends_at: new Date(starts.getTime() + 5 * 3600_000).toISOString(), venue: "De Kreun", category: "youth",
    target_audiences: ["youth"], requested_building_ids: [buildings.library.id],
  }, token.token);
});

after(stopCivicast);

/// Signs in on a new page in Dutch and one in English.
async function pages(email, password) {
  const nl = await newPage("nl-BE");
  const en = await newPage("en-GB");
  for (const page of [nl, en]) {
    await signIn(page, email, password);
    await page.waitForLoadState();
  }
  return { nl, en };
}

/// The buildings the suggestions list, in their order.
async function suggested(page) {
  return page.$$eval("#suggestions li strong", (names) => names.map((n) => n.textContent));
}

test("a profile edited in the browser changes the targeting suggestions", async (t) => {
  const staff = await pages("staff@city.example", "staff-password-1");

  await t.test("the approve form ranks the youth centre first for young people, with the reason", async () => {
    await staff.nl.goto(`${base}/events/${event.id}`);
    assert.deepEqual(await suggested(staff.nl), ["Jeugdhuis De Kreun", "Bibliotheek"]);
    const reason = await staff.nl.textContent("#suggestions li:first-child .reason");
    assert.match(reason, /Jongeren: 50 % van de bezoekers hier/);
    assert.match(await staff.nl.textContent("#suggestions"), /Zonder bezoekersprofiel.*Stadhuis/s);
  });

  await t.test("the overview lists every building's profile", async () => {
    for (const [page, name] of [[staff.nl, "nl"], [staff.en, "en"]]) {
      await page.goto(`${base}/audience`);
      await checkPage(page, `audience-overview-${name}`);
    }
    assert.match(await staff.en.textContent("#profiles"), /Stadhuis\s*none yet/);
  });

  await t.test("mistakes are said beside their field and what was typed stays", async () => {
    const page = staff.nl;
    await page.goto(`${base}/buildings/${buildings.townHall.id}/audience`);
    await checkPage(page, "audience-profile-empty-nl");
    await page.fill("#source", "Telling aan de balie 2026");
    await page.evaluate(() => document.querySelectorAll("details.daypart").forEach((d) => (d.open = true)));
    for (let row = 0; row < 14; row++) {
      await page.fill(`#rows-${row}-visitors_per_hour`, "40");
      await page.fill(`#rows-${row}-dwell_s`, "30");
      await page.fill(`#rows-${row}-visibility`, "80");
      await page.fill(`#rows-${row}-segments-youth`, "90");
    }
    await page.fill("#rows-0-visitors_per_hour", "veel");
    await page.fill("#rows-3-visibility", "150");
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST"),
      page.click("form.audience-form button[type=submit]"),
    ]);
    assert.equal(response.status(), 422);
    assert.match(await page.textContent("#rows-0-visitors_per_hour-error"), /Geef een getal/);
    assert.match(await page.textContent("#rows-3-visibility-error"), /van 0 tot 100/);
    assert.equal(await page.inputValue("#rows-0-visitors_per_hour"), "veel", "what was typed is kept");
    assert.equal(await page.inputValue("#source"), "Telling aan de balie 2026");
    assert.equal(await page.inputValue("#rows-5-segments-youth"), "90");
    assert.ok(await page.isVisible("#rows-0-visitors_per_hour"), "the daypart with a mistake is open");
    await checkPage(page, "audience-profile-errors-nl");
    // Two dayparts over the same hour are refused too.
    await page.fill("#rows-0-visitors_per_hour", "40");
    await page.fill("#rows-3-visibility", "80");
    await page.fill("#dayparts-0-end_hour", "10");
    await page.click("form.audience-form button[type=submit]");
    assert.match(await page.textContent("#dayparts-error"), /09:00 valt in 2/);
    await page.fill("#dayparts-0-end_hour", "9");
    await page.click("form.audience-form button[type=submit]");
    await page.waitForURL(/done=saved/);
    assert.match(await page.textContent("main"), /Bewaard als nieuwe versie/);
    const versions = await page.$$eval("#versions tbody tr", (rows) => rows.map((r) => r.innerText));
    assert.equal(versions.length, 1);
    assert.match(versions[0], /Telling aan de balie 2026/);
    await staff.en.goto(`${base}/buildings/${buildings.townHall.id}/audience`);
    assert.equal(await staff.en.inputValue("#rows-4-visibility"), "80");
    await checkPage(staff.en, "audience-profile-saved-en");
  });

  await t.test("the suggestion now ranks the town hall first, and says why", async () => {
    await staff.nl.goto(`${base}/events/${event.id}`);
    assert.deepEqual(await suggested(staff.nl), ["Stadhuis", "Jeugdhuis De Kreun", "Bibliotheek"]);
    assert.match(await staff.nl.textContent("#suggestions li:first-child .reason"), /Jongeren: 90 % van de bezoekers hier/);
    await checkPage(staff.nl, "event-approve-suggestions-nl");
    await staff.en.goto(`${base}/events/${event.id}`);
    assert.match(await staff.en.textContent("#suggestions li:first-child .reason"), /Young people: 90% of the visitors here/);
    await checkPage(staff.en, "event-approve-suggestions-en");
  });

  await t.test("the association's event form suggests buildings as audiences are ticked", async () => {
    const member = await pages(MEMBER.email, MEMBER.password);
    const page = member.nl;
    const seen = watch(page);
    await page.goto(`${base}/events/new`);
    assert.match(await page.textContent("#suggestions"), /Vink doelgroepen aan/);
    await page.check("input[name=target_audiences][value=youth]");
    await waitFor(async () => (await suggested(page))[0] === "Stadhuis", "the suggestions for young people");
    await page.check("input[name=target_audiences][value=seniors]");
    await waitFor(async () => /Jongeren, Senioren|Jongeren, Ouderen/.test(await page.textContent("#suggestions")), "both audiences named");
    await checkPage(page, "event-form-suggestions-nl");
    seen.clean("the event form's suggestions");
  });
});

test("the CSV import refuses a bad file line by line and imports a good one", async () => {
  const staff = await pages("staff@city.example", "staff-password-1");
  const page = staff.nl;
  const header = "building,daypart,day_type,visitors_per_hour,dwell_s,visibility,source,youth,seniors";
  const bad = join(dataDir, "bad.csv");
  writeFileSync(bad, [
    header,
    "Bibliotheek,07-09,weekday,abc,30,0.8,gate counts,0.1,0.3",
    "Nergens,07-09,weekday,10,30,0.8,gate counts,0.1,0.3",
    "Bibliotheek,09-12,maandag,10,30,0.8,gate counts,0.1,0.3",
    "Bibliotheek,12-14,weekday,10,30,1.5,gate counts,0.1,0.3",
  ].join("\n"));
  await page.goto(`${base}/audience`);
  await page.setInputFiles("#csv", bad);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST"),
    page.click("form[action='/audience/import'] button[type=submit]"),
  ]);
  assert.equal(response.status(), 422);
  const problems = await page.$$eval("#import-errors li", (items) => items.map((i) => i.textContent));
  assert.ok(problems.some((p) => /^Regel 2: visitors_per_hour: 'abc' is geen getal/.test(p)), problems.join(" | "));
  assert.ok(problems.some((p) => /^Regel 3: geen gebouw met de naam 'Nergens'/.test(p)), problems.join(" | "));
  assert.ok(problems.some((p) => /^Regel 4: day_type moet weekday of weekend zijn/.test(p)), problems.join(" | "));
  assert.ok(problems.some((p) => /^Regel 5: visibility: moet een getal van 0 tot 1 zijn/.test(p)), problems.join(" | "));
  await checkPage(page, "audience-import-refused-nl");
  const versions = await api("GET", `/buildings/${buildings.library.id}/audience/versions`);
  assert.equal(versions.length, 1, "nothing was imported");

  const good = join(dataDir, "good.csv");
  const lines = [header];
  for (const daypart of DAYPARTS) {
    for (const day of ["weekday", "weekend"]) lines.push(`Bibliotheek,${daypart},${day},120,40,0.7,gate counts 2026,0.15,0.35`);
  }
  writeFileSync(good, lines.join("\n"));
  await staff.en.goto(`${base}/audience`);
  await staff.en.setInputFiles("#csv", good);
  await staff.en.click("form[action='/audience/import'] button[type=submit]");
  await staff.en.waitForURL(/done=imported/);
  assert.match(await staff.en.textContent("main"), /Imported: 1 buildings have a new profile version/);
  assert.match(await staff.en.textContent("#profiles"), /Bibliotheek\s*2\s*gate counts 2026/);
  await checkPage(staff.en, "audience-imported-en");
  const after = await api("GET", `/buildings/${buildings.library.id}/audience/versions`);
  assert.equal(after.length, 2);
});

test("reports: charts in both languages, a bad period kept inline, fairness, delivery, an association's reach", async (t) => {
  // Staff approve the event into the town hall, whose screen then plays it 15 times.
  await api("POST", `/events/${event.id}/approve`, {
    building_ids: [buildings.townHall.id, buildings.library.id],
    promotion_from: new Date(Date.now() - 2 * 86400_000).toISOString(),
  });
  const ticket = await fetch(`${base}/api/v1/pairing`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ width: 1920, height: 1080, player_version: "test" }),
  }).then((r) => r.json());
  const screen = await api("POST", "/pairing/claim", { code: ticket.code, building_id: buildings.townHall.id, name: "Onthaal" });
  const { token } = await fetch(`${base}/api/v1/pairing/${ticket.secret}`).then((r) => r.json());
  const playlists = await api("GET", `/playlists?building_id=${buildings.townHall.id}`);
  const items = (await api("GET", `/playlists/${playlists.items[0].id}/items`)).items;
  const item = items.find((i) => i.event_id === event.id);
  const plays = [];
  for (let n = 0; n < 15; n++) {
    const started = new Date(Date.now() - (n + 2) * 60_000);
    plays.push({
      id: uuidv7(), schema_version: 1, seq: n + 1, screen_id: screen.id, item_id: item.id, kind: item.kind,
      content_hash: "ab".repeat(32), started_at: started.toISOString(),
      ended_at: new Date(started.getTime() + item.duration_ms).toISOString(), planned_ms: item.duration_ms,
      played_ms: item.duration_ms, clock_offset_ms: 0, outcome: "complete", display_on: true, player_version: "test",
    });
  }
  await api("POST", "/screen/plays", { plays }, token);
  const staff = await pages("staff@city.example", "staff-password-1");
  const member = await pages(MEMBER.email, MEMBER.password);

  await t.test("each chart is a labelled SVG in the reader's language with its table", async () => {
    await staff.nl.goto(`${base}/reports?by=building`);
    const title = await staff.nl.textContent("#chart-main svg[role=img] title");
    assert.match(title, /^Vertoningen en geschat bereik per gebouw/);
    assert.match(await staff.nl.textContent("#chart-main svg desc"), /De meeste vertoningen: Stadhuis, 15/);
    assert.match(await staff.nl.textContent("#report tbody"), /Stadhuis/);
    assert.ok(await staff.nl.isVisible("#chart-time svg[role=img]"), "plays over time");
    assert.match(await staff.nl.textContent("#chart-segments svg title"), /Geschat bereik per doelgroep/);
    assert.match(await staff.nl.textContent("#chart-segments table"), /Jongeren/);
    await checkPage(staff.nl, "reports-building-nl");
    await staff.en.goto(`${base}/reports?by=daypart`);
    assert.match(await staff.en.textContent("#chart-main svg title"), /^Plays and estimated impressions by daypart/);
    assert.match(await staff.en.textContent("#chart-segments svg"), /Young people/);
    await checkPage(staff.en, "reports-daypart-en");
    const csv = await staff.en.request.get(`${base}${await staff.en.getAttribute("#chart-time a[download]", "href")}`);
    assert.equal(csv.status(), 200);
    assert.match(await csv.text(), /^from,plays,impressions_est\n/);
  });

  await t.test("a bad period is said beside its field and keeps what was typed", async () => {
    const response = await staff.nl.goto(`${base}/reports?by=building&from=2026-11-20&to=2026-11-01`);
    assert.equal(response.status(), 422);
    assert.match(await staff.nl.textContent("#from-error"), /eerste dag mag niet na de laatste dag/);
    assert.equal(await staff.nl.inputValue("#from"), "2026-11-20");
    assert.equal(await staff.nl.inputValue("#to"), "2026-11-01");
    assert.equal(await staff.nl.inputValue("#by"), "building");
    await checkPage(staff.nl, "reports-bad-period-nl");
    const unreadable = await staff.en.goto(`${base}/reports?from=yesterday`);
    assert.equal(unreadable.status(), 422);
    assert.match(await staff.en.textContent("#from-error"), /Give a date such as 2026-12-20/);
  });

  await t.test("fairness and delivery", async () => {
    await staff.nl.goto(`${base}/reports`);
    await staff.nl.click("a[href^='/reports/fairness']");
    assert.match(await staff.nl.textContent("#key-figures"), /Eerlijkheidsindex van Jain/);
    assert.match(await staff.nl.textContent("#chart-fairness table"), /Jeugdwerking De Kreun/);
    await checkPage(staff.nl, "reports-fairness-nl");
    await staff.en.goto(`${base}/reports/fairness`);
    assert.match(await staff.en.textContent("#chart-fairness svg title"), /Delivered of entitled airtime/);
    await checkPage(staff.en, "reports-fairness-en");
    await staff.en.goto(`${base}/reports/delivery`);
    const row = await staff.en.textContent("#chart-delivery tbody tr");
    assert.match(row, /Fuif in De Kreun/);
    await checkPage(staff.en, "reports-delivery-en");
    const refused = await member.nl.goto(`${base}/reports/fairness`);
    assert.equal(refused.status(), 403, "fairness between associations is for staff");
  });

  await t.test("an association sees its own reach the same way", async () => {
    await member.nl.goto(`${base}/reports`);
    assert.deepEqual(
      await member.nl.$$eval("#report tbody tr td.label", (cells) => cells.map((c) => c.textContent)),
      ["Fuif in De Kreun"],
    );
    assert.match(await member.nl.textContent("#chart-main svg title"), /Vertoningen en geschat bereik per activiteit/);
    assert.ok(await member.nl.isVisible("#chart-time svg"));
    await checkPage(member.nl, "reports-association-nl");
    await member.en.goto(`${base}/reports/delivery`);
    assert.match(await member.en.textContent("#chart-delivery tbody"), /Fuif in De Kreun/);
    await checkPage(member.en, "reports-delivery-association-en");
  });
});

// The web portal in a real browser: Debian's headless Chromium, driven by playwright-core,
// against the real server binary on a fresh SQLite database. An association registers, is
// verified, submits an event with a poster and sees the preview; staff approve it into two
// buildings; the association sees where and when; a rejection's reason reaches it; nobody opens
// another association's event by its URL. Every main page is checked with axe-core and saved as
// a screenshot under tests/browser/screenshots/ for review. Notifications: the bell and its
// unread count, the inbox, the choices on My account, and an invitation read from the mail that
// a real SMTP server (tests/src/smtp_server.py) received, followed to a password and a sign-in.
//
// Run by tests/run.sh; on its own: CIVICAST_SERVER_BIN=<path> npm test (in tests/browser).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import {
  base, dataDir, adminToken, server, serverLog, browser,
  startCivicast, stopCivicast, api, uuidv7, poster, checkAccessibility, shot, newPage, watch,
  checkNoSidewaysScroll, mailsTo, signIn, waitFor, freePort,
} from "./harness.mjs";

const buildings = {};

before(async () => {
  await startCivicast("portal");
  for (const [key, name, venue_type] of [
    ["townHall", "Stadhuis", "town_hall"],
    ["library", "Bibliotheek", "library"],
    ["pool", "Zwembad", "swimming_pool"],
  ]) {
    buildings[key] = await api("POST", "/buildings", { name, address: `${name}straat 1`, venue_type });
  }
});

after(stopCivicast);

const ASSOCIATION = {
  name: "Zangkoor De Lier",
  contact: "An Peeters",
  email: "an@delier.example",
  password: "a-long-choir-password",
};

test("an association's event goes from registration to the screens, in the browser", async (t) => {
  const member = await newPage("nl-BE");
  const staff = await newPage("en-GB");
  let eventId;
  let townHallScreenToken;

  await t.test("the sign-in page is Dutch by default, accessible, and sends its own CSP", async () => {
    const response = await member.goto(`${base}/login`);
    assert.match(response.headers()["content-security-policy"], /script-src 'self'/);
    assert.equal(await member.getAttribute("html", "lang"), "nl");
    assert.equal(await member.textContent("h1"), "Aanmelden");
    await checkAccessibility(member, "login");
    await shot(member, "01-login");
  });

  await t.test("registration shows inline errors, then registers an unverified association", async () => {
    await member.click("a[href='/register']");
    await member.fill("#name", ASSOCIATION.name);
    await member.fill("#contact_name", ASSOCIATION.contact);
    await member.fill("#contact_email", "not-an-address");
    await member.fill("#password", ASSOCIATION.password);
    await member.fill("#password_again", "something else entirely");
    await member.click("form[action='/register'] button[type=submit]");
    assert.match(await member.textContent("#contact_email-error"), /e-mailadres/);
    assert.match(await member.textContent("#password_again-error"), /wachtwoorden verschillen/);
    assert.equal(await member.inputValue("#name"), ASSOCIATION.name, "typed values are kept");
    await checkAccessibility(member, "register with errors");
    await shot(member, "02-register-errors");
    await member.fill("#contact_email", ASSOCIATION.email);
    await member.fill("#description", "Koor uit de binnenstad");
    await member.fill("#password", ASSOCIATION.password);
    await member.fill("#password_again", ASSOCIATION.password);
    await member.click("form[action='/register'] button[type=submit]");
    // The same answer whether or not the address already had an account: sign in next.
    await member.waitForURL(/\/login\?done=registered/);
    assert.match(await member.textContent("main"), /registratie is ontvangen/);
    await signIn(member, ASSOCIATION.email, ASSOCIATION.password);
    // Signing in lands on the dashboard.
    await member.waitForURL((url) => url.pathname === "/");
    await member.goto(`${base}/events`);
    assert.match(await member.textContent("main"), /nog niet gecontroleerd/);
    const refused = await member.goto(`${base}/events/new`);
    assert.equal(refused.status(), 403, "an unverified association cannot submit yet");
  });

  await t.test("staff verify the association", async () => {
    await signIn(staff, "staff@city.example", "staff-password-1");
    // Signing in lands on the dashboard.
    await staff.waitForURL((url) => url.pathname === "/");
    await staff.goto(`${base}/moderation`);
    await staff.goto(`${base}/organisations`);
    await checkAccessibility(staff, "associations");
    await shot(staff, "03-associations");
    await staff.click(`button[aria-label='Verify: ${ASSOCIATION.name}']`);
    // Verifying asks first.
    await staff.click("section.confirm button[type=submit]");
    await staff.waitForURL(/done=verified/);
    assert.match(await staff.textContent("main"), /The association was verified/);
  });

  await t.test("a poster too small for the screens is refused with the size it needs", async () => {
    await member.goto(`${base}/events/new`);
    await member.fill("#title", "Kerstconcert");
    await member.fill("#starts_at", "2030-12-20T19:30");
    await member.fill("#ends_at", "2030-12-20T22:00");
    await member.fill("#venue", "Sint-Jacobskerk");
    await member.setInputFiles("#poster", poster("tiny.png", "200x283"));
    await member.click("form[enctype] button[type=submit]");
    const message = await member.textContent("#poster-error");
    assert.match(message, /te klein.*minstens 382 x 540 px/);
    // A file that only calls itself an image is refused, and what was typed stays.
    const liar = join(dataDir, "affiche.png");
    writeFileSync(liar, "this is not a picture at all");
    await member.setInputFiles("#poster", liar);
    await member.click("form[enctype] button[type=submit]");
    assert.ok(await member.isVisible("#poster-error"), "the fake image is refused");
    assert.equal(await member.inputValue("#title"), "Kerstconcert");
    assert.equal(await member.inputValue("#venue"), "Sint-Jacobskerk");
  });

  await t.test("the event form checks every field and shows the preview on the default screens", async () => {
    await member.goto(`${base}/events/new`);
    await checkAccessibility(member, "event form");
    await shot(member, "04-event-form");
    // Nothing filled in: every required field says what to fix.
    await member.click("form[enctype] button[type=submit]");
    for (const field of ["title", "starts_at", "ends_at", "venue"]) {
      assert.ok(await member.isVisible(`#${field}-error`), `${field} has an error`);
    }
    await checkAccessibility(member, "event form with errors");
    await member.fill("#title", "Kerstconcert <script>window.pwned = 1</script>");
    await member.fill("#description", "Met koffie en gebak na afloop.");
    await member.fill("#starts_at", "2030-12-20T19:30");
    await member.fill("#ends_at", "2030-12-20T22:00");
    await member.fill("#venue", "Sint-Jacobskerk");
    await member.selectOption("#category", "music");
    await member.fill("#link", "https://delier.example/kerst");
    await member.check("input[name=target_audiences][value=seniors]");
    await member.check("input[name=target_audiences][value=families]");
    await member.check(`input[name=requested_building_ids][value='${buildings.townHall.id}']`);
    await member.check(`input[name=requested_building_ids][value='${buildings.library.id}']`);
    await member.setInputFiles("#poster", poster("poster.png", "1000x1414"));
    await member.click("form[enctype] button[type=submit]");
    assert.equal(await member.textContent("h1"), "Controleer je activiteit");
    const shapes = await member.$$eval(".screen", (screens) => screens.map((s) => s.className));
    // The buildings asked for have no screens yet: the three default shapes.
    assert.deepEqual(shapes, ["screen landscape", "screen portrait", "screen wide"]);
    // The title is text, not markup, on the page and on every preview (broken into the lines
    // the screens break it into).
    const words = (text) => text.replace(/\s+/g, " ");
    const titles = await member.$$eval(".screen .title", (ts) => ts.map((t) => t.textContent));
    assert.deepEqual(titles.map(words), Array(3).fill("Kerstconcert <script>window.pwned = 1</script>"));
    assert.equal(await member.evaluate(() => window.pwned), undefined);
    assert.equal(words(await member.textContent(".screen.landscape .when")), "vr 20 december 2030, 19:30 – 22:00");
    assert.equal(words(await member.textContent(".screen.landscape .organiser")), ASSOCIATION.name);
    // The preview is set in the screens' own font, served by the server.
    const loaded = await member.evaluate(async () =>
      (await document.fonts.load('700 20px "Civicast Screen"')).map((f) => f.family));
    assert.deepEqual(loaded, ["Civicast Screen"]);
    // As a reader sees them: once the browser has loaded the three posters.
    await member.waitForFunction(() =>
      [...document.querySelectorAll(".screen img.poster")].every((i) => i.complete));
    const posterWidths = await member.$$eval(".screen img.poster", (imgs) => imgs.map((i) => i.naturalWidth));
    assert.deepEqual(posterWidths, [1000, 1000, 1000], "the uploaded poster shows on each screen");
    // The LED wall is read from too far to scan a code; the other screens show it.
    assert.equal(await member.locator(".screen .qr svg").count(), 2, "the link shows as a QR code");
    await checkAccessibility(member, "check page");
    await shot(member, "05-preview");
    await member.click("form.actions button:not(.secondary)");
    await member.waitForURL(/\/events\/[0-9a-f-]+\?done=sent/);
    eventId = member.url().match(/\/events\/([0-9a-f-]+)/)[1];
    assert.equal(await member.textContent("#event-status"), "Wacht op controle");
    await checkAccessibility(member, "event page");
  });

  await t.test("staff find it in the queue and approve it into two buildings", async () => {
    await staff.goto(`${base}/moderation`);
    const row = staff.locator("tr", { hasText: "Kerstconcert" });
    assert.equal(await row.count(), 1);
    await checkAccessibility(staff, "moderation queue");
    await shot(staff, "06-moderation-queue");
    await row.locator("a").click();
    await staff.waitForURL(new RegExp(`/events/${eventId}`));
    // The requested buildings are proposed; the promotion window defaults to 14 days ahead.
    assert.ok(await staff.isChecked(`input[name=building_ids][value='${buildings.townHall.id}']`));
    assert.ok(await staff.isChecked(`input[name=building_ids][value='${buildings.library.id}']`));
    assert.ok(!(await staff.isChecked(`input[name=building_ids][value='${buildings.pool.id}']`)));
    assert.equal(await staff.inputValue("#promotion_from"), "2030-12-06T19:30");
    assert.equal(await staff.inputValue("#promotion_until"), "2030-12-20T22:00");
    await checkAccessibility(staff, "event page for staff");
    await shot(staff, "07-approve");
    await staff.click(`form[action='/events/${eventId}/approve'] button[type=submit]`);
    await staff.waitForURL(/done=approved/);
    assert.equal(await staff.textContent("#event-status"), "Approved");
  });

  await t.test("the association sees it approved, with the buildings and dates", async () => {
    await member.goto(`${base}/events`);
    const row = member.locator("tr", { hasText: "Kerstconcert" });
    assert.match(await row.textContent(), /Goedgekeurd/);
    assert.match(await row.textContent(), /Bibliotheek, Stadhuis · van vr 6 dec. 2030 tot vr 20 dec. 2030/);
    await checkAccessibility(member, "my events");
    await shot(member, "08-my-events");
  });

  await t.test("the approved event is in both buildings' playlists with its promotion window", async () => {
    for (const building of [buildings.townHall, buildings.library, buildings.pool]) {
      const playlists = await api("GET", `/playlists?building_id=${building.id}`);
      const items = [];
      for (const playlist of playlists.items) {
        items.push(...(await api("GET", `/playlists/${playlist.id}/items`)).items ?? []);
      }
      const ours = items.filter((item) => item.event_id === eventId);
      if (building === buildings.pool) {
        assert.equal(ours.length, 0, "not in a building that was not chosen");
        continue;
      }
      assert.equal(ours.length, 1, `in ${building.name}`);
      assert.equal(ours[0].schedule.valid_from, "2030-12-06T18:30:00Z");
      assert.equal(ours[0].schedule.valid_until, "2030-12-20T21:00:00Z");
    }
  });

  await t.test("staff program the building's playlist: announcements, order, schedule, airtime", async () => {
    await staff.goto(`${base}/buildings`);
    await checkAccessibility(staff, "buildings");
    await staff.click("a[aria-label='Playlist: Stadhuis']");
    await staff.waitForURL(/\/buildings\/[0-9a-f-]+\/playlist$/);
    const rows = () => staff.$$eval("#items tbody tr", (trs) => trs.map((tr) => tr.cells[1].textContent.trim()));
    assert.deepEqual(await rows(), [`Event Kerstconcert <script>window.pwned = 1</script> (${ASSOCIATION.name})`]);
    // Not in its promotion window yet: the loop is empty now.
    assert.match(await staff.textContent("#items tbody"), /not now/);
    await staff.fill("#announcement-text", "The town hall closes at noon on Friday.");
    await staff.fill("#announcement-duration", "8");
    await staff.click("form[action$='/announcements'] button[type=submit]");
    await staff.waitForURL(/done=playlist/);
    assert.equal((await rows())[1], "Announcement The town hall closes at noon on Friday.");
    await staff.click("button[aria-label='Move up: The town hall closes at noon on Friday.']");
    await staff.waitForURL(/done=playlist/);
    assert.equal((await rows())[0], "Announcement The town hall closes at noon on Friday.");
    assert.equal(await staff.textContent("#loop-now"), "8 s");
    assert.match(await staff.textContent("#airtime"), /The city\s*8\s*100%/);
    // Weekday mornings only.
    await staff.click("a[aria-label='Edit: The town hall closes at noon on Friday.']");
    await staff.check("input[name=weekdays][value=Mon]");
    await staff.check("input[name=weekdays][value=Fri]");
    await staff.fill("#window_start", "08:00");
    await staff.fill("#window_end", "12:00");
    await checkAccessibility(staff, "playlist item");
    await staff.click("form.stack button[type=submit]");
    await staff.waitForURL(/done=playlist/);
    assert.match(await staff.textContent("#items tbody tr:first-child"), /Mon, Fri · 08:00-12:00/);
    // A file that is no image says why, and the error page leads back to the playlist.
    const fake = join(dataDir, "slide.png");
    writeFileSync(fake, "not an image");
    await staff.setInputFiles("#slide-image", fake);
    await staff.click("form[action$='/slides'] button[type=submit]");
    assert.doesNotMatch(await staff.textContent("main"), /choose an image/);
    await staff.click("text=Back to the previous page");
    await staff.waitForURL(/\/playlist/);
    // A city slide: an uploaded image, for 15 seconds.
    await staff.setInputFiles("#slide-image", poster("welkom.png", "1920x1080"));
    await staff.fill("#slide-duration", "15");
    await staff.click("form[action$='/slides'] button[type=submit]");
    await staff.waitForURL(/done=playlist/);
    assert.equal((await rows())[2], "City slide welkom.png");
    assert.equal(await staff.textContent("#loop-now"), "15 s", "the announcement is off outside weekday mornings");
    await checkAccessibility(staff, "playlist");
    await shot(staff, "08b-playlist");
    const playlists = await api("GET", `/playlists?building_id=${buildings.townHall.id}`);
    const items = (await api("GET", `/playlists/${playlists.items[0].id}/items`)).items;
    assert.deepEqual(items.map((i) => i.kind), ["announcement", "event", "slide"]);
    assert.deepEqual(items[0].schedule.weekdays, ["Mon", "Fri"]);
    assert.equal(items[1].event_id, eventId);
    assert.equal(items[2].duration_ms, 15000);
  });

  await t.test("an administrator adds a building and a user, and staff pair a screen by its code", async () => {
    const admin = await newPage("en-GB");
    const adminPassword = readFileSync(join(dataDir, "initial-admin-password.txt"), "utf8").trim();
    await signIn(admin, "admin@civicast.local", adminPassword);
    await admin.goto(`${base}/buildings`);
    await admin.fill("#building-name", "Sporthal Noord");
    await admin.fill("#building-address", "Sportlaan 3");
    await admin.selectOption("#building-venue", "sports_hall");
    await admin.click("form[action='/buildings'] button[type=submit]");
    await admin.waitForURL(/done=building/);
    assert.ok(await admin.isVisible("a[aria-label='Playlist: Sporthal Noord']"));
    // A player asks for a code as it would on first start; staff type it in.
    const ticket = await fetch(`${base}/api/v1/pairing`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ width: 1080, height: 1920, player_version: "test" }),
    }).then((r) => r.json());
    await staff.goto(`${base}/buildings`);
    await staff.fill("#pair-code", ticket.code);
    await staff.selectOption("#pair-building", { label: "Sporthal Noord" });
    await staff.fill("#pair-name", "Inkom links");
    await staff.click("form[action='/screens/pair'] button[type=submit]");
    await staff.waitForURL(/done=paired/);
    assert.match(await staff.textContent("tr:has-text('Sporthal Noord')"), /Sportlaan 3\s*1/);
    const wrong = await staff.request.post(`${base}/screens/pair`, {
      form: { csrf: await staff.inputValue("form[action='/screens/pair'] input[name=csrf]"), code: "NOPE-NOPE", building_id: "", name: "x" },
    });
    assert.ok([404, 422].includes(wrong.status()), `a wrong code answers ${wrong.status()}`);
    await checkAccessibility(staff, "buildings with pairing");
    await shot(staff, "08c-buildings");
    await admin.goto(`${base}/users`);
    await admin.fill("#user-email", "bert@city.example");
    await admin.fill("#user-name", "Bert");
    await admin.selectOption("#user-role", "staff");
    // Nobody types a password for someone else: the new user is invited by e-mail.
    assert.equal(await admin.locator("form[action='/users'] input[type=password]").count(), 0);
    await admin.click("form[action='/users'] button[type=submit]");
    await admin.waitForURL(/done=invited/);
    assert.match(await admin.textContent("#users"), /bert@city\.example\s*Bert\s*Communications staff/);
    await checkAccessibility(admin, "users");
    const forbidden = await staff.goto(`${base}/users`);
    assert.equal(forbidden.status(), 403, "staff do not manage accounts");
  });

  await t.test("reports show each side its own plays, with small figures hidden", async () => {
    // A screen in the town hall reports 12 plays of the event and 3 of the announcement.
    const ticket = await fetch(`${base}/api/v1/pairing`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ width: 1920, height: 1080, player_version: "test" }),
    }).then((r) => r.json());
    const screen = await api("POST", "/pairing/claim", { code: ticket.code, building_id: buildings.townHall.id, name: "Onthaal" });
    const { token } = await fetch(`${base}/api/v1/pairing/${ticket.secret}`).then((r) => r.json());
    townHallScreenToken = token;
    const playlists = await api("GET", `/playlists?building_id=${buildings.townHall.id}`);
    const items = (await api("GET", `/playlists/${playlists.items[0].id}/items`)).items;
    const plays = [];
    for (const [item, count] of [[items.find((i) => i.event_id === eventId), 12], [items.find((i) => i.kind === "announcement"), 3]]) {
      for (let n = 0; n < count; n++) {
        const started = new Date(Date.now() - (plays.length + 2) * 60_000);
        plays.push({
          id: uuidv7(), schema_version: 1, seq: plays.length + 1, screen_id: screen.id, item_id: item.id,
          kind: item.kind, content_hash: "ab".repeat(32), started_at: started.toISOString(),
          ended_at: new Date(started.getTime() + item.duration_ms).toISOString(),
          planned_ms: item.duration_ms, played_ms: item.duration_ms, clock_offset_ms: 0,
          outcome: "complete", display_on: true, player_version: "test",
        });
      }
    }
    await api("POST", "/screen/plays", { plays }, token);
    // The player reports its state, as it does with every poll.
    const announcement = items.find((i) => i.kind === "announcement");
    await api("POST", "/screen/status", {
      player_version: "0.1.0", now_playing: announcement.id, manifest_etag: null,
      cache_bytes: 12_500_000, cache_files: 3, width: 1920, height: 1080, uptime_s: 5 * 3600 + 12 * 60,
    }, token);
    await staff.goto(`${base}/screens`);
    const screens = await staff.$$eval("#screens tbody tr", (trs) =>
      trs.map((tr) => Array.from(tr.cells).map((c) => c.innerText.trim().replace(/\s+/g, " "))));
    // The screen that never called comes first, as offline; the reporting one shows its state.
    assert.equal(screens[0][0], "Inkom links 1080 × 1920");
    assert.equal(screens[0][2], "Offline");
    assert.equal(screens[0][3], "never");
    const onthaal = screens.find((row) => row[0].startsWith("Onthaal"));
    assert.deepEqual(onthaal.slice(1), [
      "Stadhuis", "Online", onthaal[3], "The town hall closes at noon on Friday.", "12.5 MB · 3", "0.1.0", "5 h 12 min", "Screenshot",
    ]);
    assert.equal(await staff.textContent("#offline-count"), "1");
    await checkAccessibility(staff, "screens");
    await shot(staff, "08e-screens");
    await member.goto(`${base}/reports`);
    const row = member.locator("#report tbody tr", { hasText: "Kerstconcert" });
    // The town hall has no audience profile yet, so no impressions are estimated.
    assert.deepEqual(
      await row.locator("td").allTextContents(),
      ["Kerstconcert <script>window.pwned = 1</script>", "12", "100 %", "120", "0"],
    );
    assert.equal(await member.locator("#report tbody tr").count(), 1, "only the association's own events");
    await checkAccessibility(member, "reports");
    await shot(member, "08d-reports");
    const csv = await member.request.get(`${base}${await member.getAttribute("a[download]", "href")}`);
    assert.equal(csv.status(), 200);
    assert.match(await csv.text(), /Kerstconcert/);
    await staff.goto(`${base}/reports?by=organisation`);
    const lines = await staff.$$eval("#report tbody tr", (trs) => trs.map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent]));
    // The city's 3 plays are hidden; the association's 12 are hidden too, or the total (15)
    // would give the city's away.
    assert.deepEqual(lines.sort(), [["(city content)", "<10"], [ASSOCIATION.name, "<10"]]);
    assert.equal(await staff.textContent("#report tfoot td"), "15");
    const refused = await member.goto(`${base}/reports?by=organisation`);
    assert.equal(refused.status(), 422, "associations cannot group by organisation");
  });

  await t.test("staff put an emergency message on one building's screens and clear it", async () => {
    const onScreen = async () =>
      (await fetch(`${base}/api/v1/screen/emergency`, { headers: { authorization: `Bearer ${townHallScreenToken}` } })
        .then((r) => r.json())).message;
    assert.equal(await onScreen(), null);
    await staff.goto(`${base}/emergency`);
    await staff.fill("#emergency-text", "Fire alarm: leave the building by the nearest exit");
    await staff.selectOption("#emergency-where", { label: "Stadhuis" });
    await staff.click("form[action='/emergency'] button[type=submit]");
    await staff.waitForURL(/done=emergency/);
    assert.match(await staff.textContent("#active-emergencies"), /Stadhuis · Fire alarm/);
    assert.equal((await onScreen()).text, "Fire alarm: leave the building by the nearest exit");
    await checkAccessibility(staff, "emergency");
    await shot(staff, "08f-emergency");
    await staff.click("button[aria-label^='Clear: Fire alarm']");
    await staff.waitForURL(/done=cleared/);
    assert.equal(await onScreen(), null);
    assert.equal(await staff.locator("#active-emergencies").count(), 0);
  });

  await t.test("staff ask a screen for a screenshot and see it once the player sends it", async () => {
    await staff.goto(`${base}/screens`);
    await staff.click("a[aria-label='Screenshot: Onthaal']");
    await staff.waitForSelector("#no-screenshot");
    await staff.click("form[action$='/screenshot'] button[type=submit]");
    await staff.waitForSelector("#screenshot-waiting");
    await checkAccessibility(staff, "screenshot, waiting");
    // What the player does when it hears of the request: a JPEG of its screen (made here by
    // the browser's own canvas), uploaded with its device token.
    const dataUrl = await staff.evaluate(() => {
      const canvas = document.createElement("canvas");
      canvas.width = 320;
      canvas.height = 180;
      const g = canvas.getContext("2d");
      g.fillStyle = "#1e8c3c";
      g.fillRect(0, 0, 320, 180);
      return canvas.toDataURL("image/jpeg", 0.9);
    });
    const sent = await fetch(`${base}/api/v1/screen/screenshot`, {
      method: "PUT",
      headers: { authorization: `Bearer ${townHallScreenToken}`, "content-type": "image/jpeg" },
      body: Buffer.from(dataUrl.split(",")[1], "base64"),
    });
    assert.equal(sent.status, 204);
    // The waiting page reloads itself and shows it.
    await staff.waitForSelector("#screenshot", { timeout: 10000 });
    assert.equal(await staff.locator("#screenshot-waiting").count(), 0);
    const width = await staff.$eval("#screenshot", (img) => img.complete && img.naturalWidth);
    assert.equal(width, 320);
    assert.match(await staff.textContent("figcaption"), /320 × 180/);
    await checkAccessibility(staff, "screenshot");
    await shot(staff, "08g-screenshot");
    // Associations cannot see it.
    const refused = await member.goto(`${base}/screens`);
    assert.equal(refused.status(), 403);
  });

  await t.test("an administrator sets a building's opening and display hours, mistakes explained", async () => {
    const admin = await newPage("en-GB");
    const adminPassword = readFileSync(join(dataDir, "initial-admin-password.txt"), "utf8").trim();
    await signIn(admin, "admin@civicast.local", adminPassword);
    await admin.goto(`${base}/buildings`);
    await admin.click("a[aria-label='Hours: Stadhuis']");
    await admin.fill("input[name=mon_from]", "09:00");
    await admin.click("form[action$='/hours'] button[type=submit]");
    await admin.waitForSelector("#hours-errors");
    assert.match(await admin.textContent("#hours-errors"), /Monday: give both a start and an end/);
    assert.equal(await admin.inputValue("input[name=mon_from]"), "09:00", "what was typed is kept");
    await admin.fill("input[name=mon_to]", "17:00");
    await admin.fill("input[name=tue_from]", "09:00");
    await admin.fill("input[name=tue_to]", "17:00");
    await admin.fill("input[name=sat_from]", "10:00");
    await admin.fill("input[name=sat_to]", "12:00");
    await admin.fill("#on-from", "07:00");
    await admin.fill("#on-to", "22:00");
    await admin.click("form[action$='/hours'] button[type=submit]");
    await admin.waitForURL(/done=hours/);
    const building = await api("GET", `/buildings/${buildings.townHall.id}`);
    assert.deepEqual(building.opening_hours, [
      { weekdays: ["Mon", "Tue"], start: "09:00:00", end: "17:00:00" },
      { weekdays: ["Sat"], start: "10:00:00", end: "12:00:00" },
    ]);
    assert.deepEqual(building.display_hours, { start: "07:00:00", end: "22:00:00" });
    assert.equal(await admin.inputValue("input[name=tue_to]"), "17:00");
    await checkAccessibility(admin, "hours");
    await shot(admin, "08h-hours");
    const notAdmin = await staff.goto(`${base}/buildings/${buildings.townHall.id}/hours`);
    assert.equal(notAdmin.status(), 403, "hours are for administrators");
  });

  await t.test("a rejection with a reason reaches the association", async () => {
    await member.goto(`${base}/events/new`);
    await member.fill("#title", "Verkoop van loten");
    await member.fill("#starts_at", "2030-11-02T10:00");
    await member.fill("#ends_at", "2030-11-02T12:00");
    await member.fill("#venue", "Markt");
    await member.click("form[enctype] button[type=submit]");
    await member.click("form.actions button:not(.secondary)");
    await member.waitForURL(/done=sent/);
    const rejectedId = member.url().match(/\/events\/([0-9a-f-]+)/)[1];
    await staff.goto(`${base}/events/${rejectedId}`);
    await staff.fill("#reject-reason", "Commerciële verkoop valt buiten de gratis promotie.");
    await staff.click(`form[action='/events/${rejectedId}/reject'] button[type=submit]`);
    // Rejecting asks first.
    await staff.click("section.confirm button[type=submit]");
    await staff.waitForURL(/done=rejected/);
    await member.goto(`${base}/events`);
    const row = member.locator("tr", { hasText: "Verkoop van loten" });
    assert.match(await row.textContent(), /Geweigerd/);
    assert.match(await row.textContent(), /Commerciële verkoop valt buiten de gratis promotie\./);
    await member.goto(`${base}/events/${rejectedId}`);
    assert.equal(await member.textContent("#moderation-note"), "Commerciële verkoop valt buiten de gratis promotie.");
  });

  await t.test("another association cannot open the event by its URL", async () => {
    const other = await newPage("nl-BE");
    await other.goto(`${base}/register`);
    await other.fill("#name", "Voetbalclub Rood-Wit");
    await other.fill("#contact_name", "Jan Janssens");
    await other.fill("#contact_email", "jan@roodwit.example");
    await other.fill("#password", "another-long-password");
    await other.fill("#password_again", "another-long-password");
    await other.click("form[action='/register'] button[type=submit]");
    await other.waitForURL(/done=registered/);
    await signIn(other, "jan@roodwit.example", "another-long-password");
    // Signing in lands on the dashboard.
    await other.waitForURL((url) => url.pathname === "/");
    await other.goto(`${base}/events`);
    for (const path of [`/events/${eventId}`, `/events/${eventId}/edit`]) {
      const response = await other.goto(`${base}${path}`);
      assert.ok([403, 404].includes(response.status()), `${path} answers ${response.status()}`);
      assert.doesNotMatch(await other.textContent("body"), /Kerstconcert/);
    }
    const posterless = await other.goto(`${base}/events/${eventId}`);
    assert.equal(posterless.status(), 404);
  });

  await t.test("a form posted without its CSRF token is refused and changes nothing", async () => {
    const response = await member.request.post(`${base}/events/${eventId}/withdraw`, {
      form: { reason: "x" },
      maxRedirects: 0,
    });
    assert.equal(response.status(), 403);
    await member.goto(`${base}/events/${eventId}`);
    assert.equal(await member.textContent("#event-status"), "Goedgekeurd");
  });

  await t.test("the language switch turns the portal to English, dates included", async () => {
    await member.goto(`${base}/events`);
    await member.click("a[hreflang=en]");
    await member.waitForURL(/\/events$/);
    assert.equal(await member.getAttribute("html", "lang"), "en");
    assert.equal(await member.textContent("h1"), "My events");
    const row = member.locator("tr", { hasText: "Kerstconcert" });
    assert.match(await row.textContent(), /Approved/);
    assert.match(await row.textContent(), /from Fri 6 Dec 2030 until Fri 20 Dec 2030/);
  });

  await t.test("staff search the audit log for the decisions", async () => {
    await staff.goto(`${base}/audit?q=event.reject`);
    assert.match(await staff.textContent("tbody"), /staff@city\.example/);
    assert.match(await staff.textContent("tbody"), /Commerciële verkoop/);
    await checkAccessibility(staff, "audit log");
    await shot(staff, "09-audit-log");
  });

  await t.test("the portal works on a phone", async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "nl-BE", bypassCSP: true });
    const page = await phone.newPage();
    await signIn(page, ASSOCIATION.email, ASSOCIATION.password);
    await page.goto(`${base}/events/${eventId}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no sideways scrolling (page is ${width}px wide)`);
    await checkAccessibility(page, "event page on a phone");
    await shot(page, "10-phone-event");
    await phone.close();
  });

  await t.test("an edit takes an approved event off the screens until approved again; withdrawal ends it", async () => {
    await member.goto(`${base}/events/${eventId}/edit`);
    // (The member switched the portal to English above.)
    assert.match(await member.textContent("main"), /goes back to review/);
    assert.equal(await member.inputValue("#venue"), "Sint-Jacobskerk");
    await member.fill("#venue", "Stadsschouwburg");
    await member.click("form[enctype] button[type=submit]");
    assert.equal(await member.textContent(".screen.landscape .venue"), "Stadsschouwburg");
    await member.click("form.actions button:not(.secondary)");
    await member.waitForURL(/done=saved/);
    assert.equal(await member.textContent("#event-status"), "Pending");
    const inPlaylists = async () => {
      let count = 0;
      for (const building of [buildings.townHall, buildings.library]) {
        const playlists = await api("GET", `/playlists?building_id=${building.id}`);
        const items = (await api("GET", `/playlists/${playlists.items[0].id}/items`)).items;
        count += items.filter((item) => item.event_id === eventId).length;
      }
      return count;
    };
    assert.equal(await inPlaylists(), 0, "off the screens while it waits");
    await staff.goto(`${base}/moderation`);
    assert.equal(await staff.locator("tr", { hasText: "Stadsschouwburg" }).count(), 0);
    assert.equal(await staff.locator("tr", { hasText: "Kerstconcert" }).count(), 1, "back in the queue");
    member.once("dialog", (dialog) => dialog.accept());
    await member.click(`form[action='/events/${eventId}/withdraw'] button`);
    await member.waitForURL(/done=withdrawn/);
    assert.equal(await member.textContent("#event-status"), "Withdrawn");
    assert.equal(await member.locator(`a[href='/events/${eventId}/edit']`).count(), 0, "a withdrawn event is not edited");
  });

  await t.test("a verified association's new name waits for staff, who approve it", async () => {
    const { token } = await fetch(`${base}/api/v1/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: ASSOCIATION.email, password: ASSOCIATION.password }),
    }).then((r) => r.json());
    const { items } = await api("GET", "/organisations?per_page=200");
    const own = items.find((o) => o.name === ASSOCIATION.name);
    const asked = await api("PUT", `/organisations/${own.id}`, {
      name: "Stad Brugge – Communicatiedienst", kind: "association", contact_name: ASSOCIATION.contact,
      contact_email: ASSOCIATION.email, description: "Koor uit de binnenstad",
    }, token);
    assert.equal(asked.name, ASSOCIATION.name, "the screens keep the vouched-for name");
    await staff.goto(`${base}/organisations`);
    const row = staff.locator("tr", { hasText: ASSOCIATION.name });
    assert.match(await row.textContent(), /Asks to be renamed to Stad Brugge – Communicatiedienst/);
    await checkAccessibility(staff, "associations with a rename request");
    await shot(staff, "03b-rename-request");
    await staff.click("button[aria-label='Approve the new name: Stad Brugge – Communicatiedienst']");
    await staff.click("section.confirm button[type=submit]");
    await staff.waitForURL(/done=verified/);
    assert.match(await staff.locator("tbody").textContent(), /Stad Brugge – Communicatiedienst/);
    // Back to the old name (staff rename at once), for the tests after this one.
    await api("PUT", `/organisations/${own.id}`, {
      name: ASSOCIATION.name, kind: "association", contact_name: ASSOCIATION.contact,
      contact_email: ASSOCIATION.email, description: "Koor uit de binnenstad",
    });
  });

  await t.test("sign-in is rate limited after repeated wrong passwords", async () => {
    const page = await newPage("en-GB");
    for (let attempt = 1; attempt <= 5; attempt++) {
      await signIn(page, "jan@roodwit.example", `wrong-password-${attempt}`);
      assert.match(await page.textContent(".error-summary"), /Wrong e-mail address or password/);
    }
    // Refused from this address for this account, even with the right password, saying when to
    // come back (another address is not refused: tests/api/hardening_auth.rs).
    await signIn(page, "jan@roodwit.example", "another-long-password");
    assert.match(await page.textContent(".error-summary"), /Too many failed sign-ins; try again in 15 minutes/);
  });

  await t.test("staff are told of a new submission: the bell's count, the pending count, the inbox", async () => {
    const admin = await newPage("en-GB");
    const watched = watch(admin);
    const adminPassword = readFileSync(join(dataDir, "initial-admin-password.txt"), "utf8").trim();
    await signIn(admin, "admin@civicast.local", adminPassword);
    // Signing in lands on the dashboard.
    await admin.waitForURL((url) => url.pathname === "/");
    await admin.goto(`${base}/moderation`);
    // The submissions above are in the inbox, unread, as many as the bell says.
    await admin.click("a#bell");
    await admin.waitForURL(/\/inbox$/);
    const unreadBefore = await admin.locator("#inbox li.unread").count();
    assert.ok(unreadBefore >= 1, "the earlier submissions are unread");
    assert.equal(await admin.textContent("#unread-count"), String(unreadBefore));
    assert.equal(await admin.getAttribute("a#bell", "aria-label"), `Notifications: ${unreadBefore} unread`);
    await admin.click("form[action='/inbox/read'] button[type=submit]");
    await admin.waitForURL(/\/inbox\?done=read/);
    assert.match(await admin.textContent("main"), /All notifications are marked as read/);
    assert.equal(await admin.locator("#inbox li.unread").count(), 0);
    // No count on the bell now.
    await admin.goto(`${base}/moderation`);
    assert.equal(await admin.locator("#unread-count").count(), 0, "no unread count");
    assert.equal(await admin.getAttribute("a#bell", "aria-label"), "Notifications");
    assert.equal(await admin.getAttribute("a#bell", "href"), "/inbox");
    assert.equal(await admin.locator("#pending-count").count(), 0, "nothing waits for a decision");
    // The association submits an event.
    await member.goto(`${base}/events/new`);
    await member.fill("#title", "Open repetitie");
    await member.fill("#starts_at", "2030-10-05T14:00");
    await member.fill("#ends_at", "2030-10-05T16:00");
    await member.fill("#venue", "Muziekacademie");
    await member.click("form[enctype] button[type=submit]");
    await member.click("form.actions button:not(.secondary)");
    await member.waitForURL(/done=sent/);
    const submittedId = member.url().match(/\/events\/([0-9a-f-]+)/)[1];
    // The administrator's next page shows one unread notification and the event waiting.
    await admin.goto(`${base}/moderation`);
    assert.equal(await admin.textContent("#unread-count"), "1");
    assert.equal(await admin.getAttribute("a#bell", "aria-label"), "Notifications: 1 unread");
    assert.ok(Number(await admin.textContent("#pending-count")) >= 1, "the pending count beside Moderation");
    assert.match(await admin.textContent("a[href='/moderation']"), /Moderation\s*\d+/);
    await admin.click("a#bell");
    await admin.waitForURL(/\/inbox$/);
    const unread = admin.locator("#inbox li.unread");
    assert.equal(await unread.count(), 1);
    assert.match(await unread.locator("button").textContent(), /New event to review: Open repetitie/);
    assert.match(await unread.textContent(), new RegExp(`${ASSOCIATION.name} submitted .Open repetitie.`));
    await checkAccessibility(admin, "inbox");
    for (const size of [{ width: 390, height: 844 }, { width: 1440, height: 900 }]) {
      await checkNoSidewaysScroll(admin, size, "the inbox");
      await shot(admin, `11-inbox-${size.width}x${size.height}`);
    }
    await admin.setViewportSize({ width: 1280, height: 900 });
    // Opening it marks it read and goes to the event.
    await unread.locator("button", { hasText: "New event to review: Open repetitie" }).click();
    await admin.waitForURL(new RegExp(`/events/${submittedId}$`));
    assert.equal(await admin.textContent("#event-status"), "Pending");
    assert.equal(await admin.locator("#unread-count").count(), 0, "the count is gone");
    assert.equal(await admin.getAttribute("a#bell", "aria-label"), "Notifications");
    await admin.goto(`${base}/inbox`);
    assert.equal(await admin.locator("#inbox li.unread").count(), 0);
    assert.equal(await admin.locator("#inbox li", { hasText: "New event to review: Open repetitie" }).count(), 1, "still listed, read");
    watched.clean("the inbox and the event page");
    await admin.context().close();
  });

  await t.test("My account keeps how one is told of each kind, in the portal's language", async () => {
    const admin = await newPage("en-GB");
    const watched = watch(admin);
    const adminPassword = readFileSync(join(dataDir, "initial-admin-password.txt"), "utf8").trim();
    await signIn(admin, "admin@civicast.local", adminPassword);
    // Signing in lands on the dashboard.
    await admin.waitForURL((url) => url.pathname === "/");
    await admin.goto(`${base}/moderation`);
    await admin.click("a[href='/account']");
    await admin.waitForURL(/\/account$/);
    const kinds = await admin.$$eval("form[action='/account/preferences'] input[type=radio]",
      (inputs) => [...new Set(inputs.map((i) => i.name))]);
    assert.deepEqual(kinds, ["submission", "pending_soon", "screen_offline"], "staff choose for staff's kinds");
    const submission = admin.locator("fieldset", { has: admin.locator("input[name=submission]") });
    assert.equal(await submission.locator("legend").textContent(), "An event is submitted or submitted again");
    const pendingBefore = await admin.$eval("input[name=pending_soon]:checked", (i) => i.value);
    await submission.getByLabel("Only here, in the portal").check();
    await checkAccessibility(admin, "my account");
    await shot(admin, "12-account");
    await admin.click("button:has-text('Save my choices')");
    await admin.waitForURL(/\/account\?done=preferences/);
    assert.match(await admin.textContent("main"), /Your choices were saved/);
    await admin.reload();
    assert.ok(await admin.isChecked("input[name=submission][value=in_app]"), "the choice stays");
    assert.equal(await admin.locator("input[name=submission]:checked").count(), 1);
    assert.equal(await admin.$eval("input[name=pending_soon]:checked", (i) => i.value), pendingBefore, "the others are unchanged");
    // In Dutch: the language chosen here is the portal's too.
    await admin.check("form[action='/account/language'] input[value=nl]");
    await admin.click("form[action='/account/language'] button[type=submit]");
    await admin.waitForURL(/\/account\?done=language/);
    assert.equal(await admin.getAttribute("html", "lang"), "nl");
    assert.equal(await admin.textContent("h1"), "Mijn account");
    const inDutch = admin.locator("fieldset", { has: admin.locator("input[name=submission]") });
    assert.equal(await inDutch.locator("legend").textContent(), "Een activiteit wordt ingediend of opnieuw ingediend");
    assert.ok(await inDutch.getByLabel("Alleen hier, in het portaal").isChecked());
    assert.ok(await inDutch.getByLabel("Meteen per e-mail").isVisible());
    assert.ok(await inDutch.getByLabel("In een dagelijkse e-mail").isVisible());
    assert.ok(await admin.isVisible("button:has-text('Mijn keuzes bewaren')"));
    assert.equal(await admin.getAttribute("a#bell", "aria-label"), "Meldingen");
    await checkAccessibility(admin, "my account in Dutch");
    await shot(admin, "12b-account-nl");
    await admin.check("form[action='/account/language'] input[value=en]");
    await admin.click("form[action='/account/language'] button[type=submit]");
    await admin.waitForURL(/\/account\?done=language/);
    assert.equal(await admin.getAttribute("html", "lang"), "en");
    // An association chooses for its own kinds.
    await member.goto(`${base}/account`);
    const memberKinds = await member.$$eval("form[action='/account/preferences'] input[type=radio]",
      (inputs) => [...new Set(inputs.map((i) => i.name))]);
    assert.deepEqual(memberKinds, ["organisation_decision", "event_decision", "event_on_screens", "event_reach"]);
    watched.clean("my account");
    await admin.context().close();
  });

  await t.test("an administrator invites a user, who chooses a password from the e-mail and signs in", async () => {
    const admin = await newPage("en-GB");
    const watched = watch(admin);
    const adminPassword = readFileSync(join(dataDir, "initial-admin-password.txt"), "utf8").trim();
    await signIn(admin, "admin@civicast.local", adminPassword);
    // Signing in lands on the dashboard.
    await admin.waitForURL((url) => url.pathname === "/");
    await admin.goto(`${base}/moderation`);
    await admin.goto(`${base}/users`);
    assert.equal(await admin.$eval("#user-role option", (o) => o.value), "association", "the least powerful role first");
    await admin.fill("#user-email", "x@example.org");
    await admin.fill("#user-name", "Xavier");
    await admin.selectOption("#user-role", "association");
    await admin.selectOption("#user-organisation", { label: ASSOCIATION.name });
    await admin.selectOption("select[name=language]", "en");
    await admin.click("form[action='/users'] button:has-text('Invite')");
    await admin.waitForURL(/\/users\?done=invited/);
    assert.match(await admin.textContent("main"), /invited by e-mail to choose a password/);
    assert.match(await admin.textContent("#users"), /x@example\.org\s*Xavier/);
    watched.clean("users");
    await admin.context().close();
    // The invitation arrives at the SMTP server, once, in English, with a link to this portal.
    const [mail] = await waitFor(() => {
      const mails = mailsTo("x@example.org");
      return mails.length ? mails : null;
    }, "the invitation e-mail", 30000);
    assert.match(mail.subject, /^You are invited to Civicast/);
    assert.match(mail.text, /made you an account on Civicast/);
    const link = mail.text.match(/https?:\/\/\S+\/password\/cvp_[A-Za-z0-9_-]+/)?.[0];
    assert.ok(link, `a link in the e-mail:\n${mail.text}`);
    assert.ok(link.startsWith(`${base}/password/cvp_`), `the link leads to this portal: ${link}`);
    assert.ok(mail.html.includes(link), "the HTML part has the same link");
    // In a browser that never signed in.
    const invited = await newPage("en-GB");
    const invitedWatch = watch(invited);
    await invited.goto(link);
    assert.match(await invited.textContent("main"), /Welcome to Civicast.*x@example\.org/s);
    await checkAccessibility(invited, "choose a password");
    await shot(invited, "13-invitation");
    await invited.fill("#password", "xavier-long-password");
    await invited.fill("#password_again", "xavier-other-password");
    await invited.click("button:has-text('Save the password')");
    assert.match(await invited.textContent(".error-summary"), /not the same/);
    await invited.fill("#password", "xavier-long-password");
    await invited.fill("#password_again", "xavier-long-password");
    await invited.click("button:has-text('Save the password')");
    await invited.waitForURL(/\/login\?done=password_set/);
    await signIn(invited, "x@example.org", "xavier-long-password");
    // Signing in lands on the dashboard.
    await invited.waitForURL((url) => url.pathname === "/");
    await invited.goto(`${base}/events`);
    assert.equal(await invited.textContent("h1"), "My events");
    assert.ok(await invited.isVisible("a#bell"), "signed in: the bell is in the header");
    assert.match(await invited.textContent("main"), /Kerstconcert/, "the association's events");
    // The link works once.
    await invited.goto(link);
    assert.match(await invited.textContent("main"), /This link does not work any more/);
    assert.equal(await invited.locator("#password").count(), 0);
    invitedWatch.clean("the invitation's pages");
    assert.equal(mailsTo("x@example.org").length, 1, "one invitation");
    await invited.context().close();
  });

  await t.test("the server took every request above without a panic", async () => {
    assert.doesNotMatch(serverLog, /panicked/);
    assert.equal(server.exitCode, null, "the server is still running");
  });
});

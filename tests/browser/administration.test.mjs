// The administration pages in a real browser: buildings, screens (pairing, their own page, a new
// token), users (disabling one refuses their sign-in), associations (edit, verify, refuse,
// delete), the media library, one's own password; each removal through its confirmation, which
// says first what goes with it; each mistake shown beside its field with what was typed kept.
// /screens says what an offline screen last reported, with its age, and that an emergency
// message is on the screens. Every page is walked in Dutch and English at 390 and 1440 px with
// axe-core (checkPage); the screenshots land in screenshots/administration/.
//
// On its own: CIVICAST_SERVER_BIN=<path> node --test administration.test.mjs (in tests/browser).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  base, dataDir, adminToken, startCivicast, stopCivicast, api, poster, newPage, watch as watchAll,
  signIn, checkPage,
} from "./harness.mjs";

/// Watches a page for what the user would not see, as the harness does; a form refused with
/// 422 (shown again with its mistakes beside the fields) is what these pages are meant to do,
/// and Chromium's console line for it is not a fault.
function watch(page) {
  const seen = watchAll(page);
  const refusals = [];
  page.on("console", (message) => {
    if (/status of 422/.test(message.text())) refusals.push(message.text());
  });
  return {
    clean: (name) => {
      try {
        seen.clean(name);
      } catch (error) {
        const rest = error.actual.filter((line) => !/status of 422/.test(line));
        assert.deepEqual(rest, [], `nothing went wrong on ${name}`);
      }
    },
  };
}

const buildings = {};
let admin; // the first administrator's page, in English
let adminNl; // the same administrator, in Dutch

before(async () => {
  await startCivicast("administration");
  for (const [key, name, venue_type] of [
    ["townHall", "Stadhuis", "town_hall"],
    ["library", "Bibliotheek", "library"],
  ]) {
    buildings[key] = await api("POST", "/buildings", { name, address: `${name}straat 1`, venue_type });
  }
  const password = readFileSync(join(dataDir, "initial-admin-password.txt"), "utf8").trim();
  admin = await newPage("en-GB");
  await signIn(admin, "admin@civicast.local", password);
  adminNl = await newPage("nl-BE");
  await signIn(adminNl, "admin@civicast.local", password);
});

after(stopCivicast);

/// A player asks for a pairing code, as it does on its first start.
async function pairingTicket(width = 1920, height = 1080) {
  return fetch(`${base}/api/v1/pairing`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ width, height, player_version: "test" }),
  }).then((r) => r.json());
}

/// Pairs a screen over the API and collects its device token as the player would.
async function pairedScreen(building, name) {
  const ticket = await pairingTicket();
  const screen = await api("POST", "/pairing/claim", { code: ticket.code, building_id: building.id, name });
  const { token } = await fetch(`${base}/api/v1/pairing/${ticket.secret}`).then((r) => r.json());
  return { screen, token };
}

/// Confirms on the confirmation page after checking that it says `says`.
async function confirm(page, says) {
  await page.waitForSelector("section.confirm");
  const text = (await page.textContent("section.confirm")).replace(/\s+/g, " ");
  for (const words of says) assert.match(text, words);
  await page.click("section.confirm button[type=submit]");
}

/// Posts a form on the page and waits for the answer to be shown.
async function submit(page, form) {
  await Promise.all([page.waitForNavigation(), page.click(`${form} button[type=submit]`)]);
}

/// The building's playlist, made if it has none yet.
async function playlistOf(building) {
  const { items } = await api("GET", `/playlists?building_id=${building.id}`);
  return items[0] ?? api("POST", "/playlists", { building_id: building.id, name: building.name });
}

async function uploadImage(token, name, size) {
  const bytes = readFileSync(poster(name, size));
  const send = () => fetch(`${base}/api/v1/media?filename=${encodeURIComponent(name)}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "image/png", "content-length": String(bytes.length) },
    body: bytes,
  });
  // Once seen on a loaded two-core machine: the connection closed under the upload. The same
  // file again is answered with the same entry, so a second try changes nothing else.
  const response = await send().catch((error) => {
    console.error(`upload of ${name} failed once (${error.cause?.code ?? error.message}); trying again`);
    return send();
  });
  assert.ok(response.ok, `upload of ${name}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

test("buildings: added with the kind chosen, a bad time zone kept beside its field, edited, deleted with what it takes along", async () => {
  const seen = watch(admin);
  await admin.goto(`${base}/buildings`);
  // The kind is not chosen for the user.
  assert.equal(await admin.inputValue("#building-venue"), "");
  await admin.fill("#building-name", "Cultuurcentrum");
  await admin.fill("#building-address", "Kunstlaan 5");
  await admin.fill("#building-tz", "Europe/Nowhere");
  await submit(admin, "form[action='/buildings']");
  assert.match(await admin.textContent("#venue_type-error"), /choose a kind of building/);
  assert.equal(await admin.inputValue("#name"), "Cultuurcentrum");
  assert.equal(await admin.inputValue("#time_zone"), "Europe/Nowhere");
  await admin.selectOption("#venue_type", "culture_centre");
  await submit(admin, "form[action='/buildings']");
  assert.match(await admin.textContent("#time_zone-error"), /is not a time zone/);
  assert.equal(await admin.inputValue("#time_zone"), "Europe/Nowhere", "the bad time zone is kept");
  assert.equal(await admin.inputValue("#venue_type"), "culture_centre", "the kind chosen is kept");
  await checkPage(admin, "building-new-errors-en");
  await admin.fill("#time_zone", "Europe/Brussels");
  await submit(admin, "form[action='/buildings']");
  assert.match(admin.url(), /done=building/);

  // Its own page, from the list.
  await admin.click("#buildings a:text('Cultuurcentrum')");
  await admin.waitForURL(/\/buildings\/[0-9a-f-]{36}$/);
  const id = admin.url().split("/").pop();
  await admin.fill("#address", "Kunstlaan 7");
  await admin.fill("#time_zone", "Mars/Olympus");
  await submit(admin, `form[action='/buildings/${id}']`);
  assert.match(await admin.textContent("#time_zone-error"), /is not a time zone/);
  assert.equal(await admin.inputValue("#address"), "Kunstlaan 7", "what was typed is kept");
  await admin.fill("#time_zone", "Europe/Brussels");
  await admin.selectOption("#venue_type", "youth_centre");
  await submit(admin, `form[action='/buildings/${id}']`);
  assert.match(admin.url(), /done=building_saved/);
  const stored = await api("GET", `/buildings/${id}`);
  assert.equal(stored.address, "Kunstlaan 7");
  assert.equal(stored.venue_type, "youth_centre");
  await checkPage(admin, "building-en");
  await adminNl.goto(`${base}/buildings/${id}`);
  assert.equal(await adminNl.textContent("h2#remove"), "Het gebouw verwijderen");
  await checkPage(adminNl, "building-nl");

  // Deleting says first what goes with it: its screen and its playlist.
  const { token } = await pairedScreen({ id }, "Foyer");
  await playlistOf({ id, name: "Cultuurcentrum" });
  await admin.goto(`${base}/buildings/${id}`);
  await submit(admin, `form[action='/buildings/${id}/delete']`);
  assert.match(await admin.textContent("h1"), /Delete the building Cultuurcentrum\?/);
  await checkPage(admin, "building-delete-confirm-en");
  await confirm(admin, [/Its screens are removed.*Foyer/, /Playlists removed/]);
  await admin.waitForURL(/done=building_deleted/);
  assert.equal(await admin.locator("#buildings a:text('Cultuurcentrum')").count(), 0);
  const gone = await fetch(`${base}/api/v1/buildings/${id}`, { headers: { authorization: `Bearer ${adminToken}` } });
  assert.equal(gone.status, 404);
  const self = await fetch(`${base}/api/v1/screen/self`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(self.status, 401, "the removed screen's token no longer works");
  seen.clean("buildings");
});

test("pairing: a wrong or used code is shown beside the field with the input kept; the kind is chosen", async () => {
  const staff = await newPage("nl-BE");
  const seen = watch(staff);
  await signIn(staff, "staff@city.example", "staff-password-1");
  await staff.goto(`${base}/buildings`);
  await staff.fill("#pair-code", "NOPE");
  await staff.selectOption("#pair-building", { label: "Bibliotheek" });
  await staff.fill("#pair-name", "Leeszaal");
  await staff.selectOption("#pair-kind", "led_wall");
  await submit(staff, "form[action='/screens/pair']");
  assert.match(await staff.textContent("#code-error"), /typ de 6 letters en cijfers/);
  assert.equal(await staff.inputValue("#code"), "NOPE");
  // A code of the right shape that no screen shows.
  await staff.fill("#code", "ZZZ222");
  await submit(staff, "form[action='/screens/pair']");
  assert.match(await staff.textContent("#code-error"), /Geen enkel scherm toont deze code/);
  assert.equal(await staff.inputValue("#code"), "ZZZ222");
  assert.equal(await staff.inputValue("#name"), "Leeszaal");
  assert.equal(await staff.inputValue("#kind"), "led_wall");
  assert.equal(await staff.inputValue("#building_id"), buildings.library.id);
  await checkPage(staff, "pair-errors-nl");

  // The right code, as an LED wall.
  const ticket = await pairingTicket(1536, 384);
  await staff.fill("#code", ticket.code);
  await submit(staff, "form[action='/screens/pair']");
  assert.match(staff.url(), /done=paired/);
  const { items } = await api("GET", `/screens?building_id=${buildings.library.id}`);
  const wall = items.find((s) => s.name === "Leeszaal");
  assert.equal(wall.kind, "led_wall");
  assert.equal(wall.width, 1536);

  // The same code again: already used.
  await staff.goto(`${base}/screens/pair`);
  await staff.fill("#code", ticket.code);
  await staff.fill("#name", "Leeszaal 2");
  await submit(staff, "form[action='/screens/pair']");
  assert.match(await staff.textContent("#code-error"), /al ingegeven/);
  assert.equal(await staff.inputValue("#code"), ticket.code);
  const english = await newPage("en-GB");
  await signIn(english, "staff@city.example", "staff-password-1");
  await english.goto(`${base}/screens/pair`);
  await checkPage(english, "pair-en");
  seen.clean("pairing");
});

test("a screen's page: renamed, moved, made an LED wall, resized; a new token after a confirmation; deleted", async () => {
  const seen = watch(admin);
  const { screen, token } = await pairedScreen(buildings.townHall, "Onthaal");
  await admin.goto(`${base}/screens`);
  await admin.click(`#screens a[href='/screens/${screen.id}']`);
  await admin.waitForURL(new RegExp(`/screens/${screen.id}$`));
  await admin.fill("#width", "10");
  await admin.fill("#name", "Onthaal links");
  await submit(admin, `form[action='/screens/${screen.id}']`);
  assert.match(await admin.textContent("#width-error"), /must be between 64 and 16384 pixels/);
  assert.equal(await admin.inputValue("#width"), "10");
  assert.equal(await admin.inputValue("#name"), "Onthaal links");
  await admin.fill("#width", "1920");
  await admin.fill("#height", "540");
  await admin.selectOption("#building_id", buildings.library.id);
  await admin.selectOption("#kind", "led_wall");
  await admin.selectOption("#orientation", "landscape");
  await submit(admin, `form[action='/screens/${screen.id}']`);
  assert.match(admin.url(), /done=screen_saved/);
  const changed = await api("GET", `/screens/${screen.id}`);
  assert.deepEqual(
    [changed.name, changed.building_id, changed.kind, changed.width, changed.height],
    ["Onthaal links", buildings.library.id, "led_wall", 1920, 540],
  );
  await checkPage(admin, "screen-en");
  await adminNl.goto(`${base}/screens/${screen.id}`);
  await checkPage(adminNl, "screen-nl");

  // A new device token: confirmed first, shown once, the old one revoked.
  await submit(admin, `form[action='/screens/${screen.id}/token']`);
  await checkPage(admin, "screen-token-confirm-en");
  await confirm(admin, [/stops working at once/]);
  await admin.waitForSelector("#token-value");
  const fresh = (await admin.textContent("#token-value")).trim();
  assert.match(fresh, /^cvs_/);
  await checkPage(admin, "screen-token-en");
  const old = await fetch(`${base}/api/v1/screen/self`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(old.status, 401, "the old token is revoked");
  const now = await fetch(`${base}/api/v1/screen/self`, { headers: { authorization: `Bearer ${fresh}` } });
  assert.equal(now.status, 200);

  // Deleted, after a confirmation; cancelling first changes nothing.
  await admin.goto(`${base}/screens/${screen.id}`);
  await submit(admin, `form[action='/screens/${screen.id}/delete']`);
  await admin.click("section.confirm a:text('Cancel')");
  await admin.waitForURL(new RegExp(`/screens/${screen.id}$`));
  await submit(admin, `form[action='/screens/${screen.id}/delete']`);
  await confirm(admin, [/asks to be paired again/]);
  await admin.waitForURL(/done=screen_deleted/);
  const gone = await fetch(`${base}/api/v1/screens/${screen.id}`, { headers: { authorization: `Bearer ${adminToken}` } });
  assert.equal(gone.status, 404);
  seen.clean("screens");
});

test("/screens says what an offline screen last reported, with its age, and that an emergency message is on", async () => {
  const { screen, token } = await pairedScreen(buildings.townHall, "Raadzaal");
  const playlist = await playlistOf(buildings.townHall);
  const item = await api("POST", `/playlists/${playlist.id}/items`, {
    kind: "announcement", text: "Gemeenteraad vanavond om 20 uur", duration_ms: 10000,
  });
  await api("POST", "/screen/status", {
    player_version: "0.1.0", now_playing: item.id, manifest_etag: null,
    cache_bytes: 1_000_000, cache_files: 1, width: 1920, height: 1080, uptime_s: 3600,
  }, token);
  // Three hours pass without a word from the player.
  execFileSync("sqlite3", [join(dataDir, "civicast.db"),
    `UPDATE screens SET last_seen_at = datetime('now', '-3 hours'), status_at = datetime('now', '-3 hours') WHERE id = '${screen.id}'`]);
  const emergency = await api("POST", "/emergency", { text: "Brandalarm: verlaat het gebouw", building_id: buildings.townHall.id });
  try {
    await admin.goto(`${base}/screens`);
    const row = (await admin.textContent(`#screens tr:has(a[href='/screens/${screen.id}'])`)).replace(/\s+/g, " ");
    assert.match(row, /Offline/);
    assert.match(row, /Last report 3 h 0 min ago: was playing .*Gemeenteraad vanavond om 20 uur/);
    assert.doesNotMatch(row, /Running for/);
    assert.match(await admin.textContent("#emergency-active"), /Brandalarm: verlaat het gebouw.*Stadhuis/s);
    assert.equal(await admin.getAttribute("#emergency-active a", "href"), "/emergency");
    await checkPage(admin, "screens-offline-emergency-en");
    await adminNl.goto(`${base}/screens`);
    const nl = (await adminNl.textContent(`#screens tr:has(a[href='/screens/${screen.id}'])`)).replace(/\s+/g, " ");
    assert.match(nl, /Laatste melding 3 h 0 min geleden: speelde/);
    await checkPage(adminNl, "screens-offline-emergency-nl");
  } finally {
    await api("DELETE", `/emergency/${emergency.id}`);
  }
  await admin.goto(`${base}/screens`);
  assert.equal(await admin.locator("#emergency-active").count(), 0, "cleared: no longer said");
});

test("users: added with the least powerful role by default, edited, disabled (their sign-in refused), enabled, deleted", async () => {
  const seen = watch(admin);
  await admin.goto(`${base}/users`);
  assert.equal(await admin.inputValue("#user-role"), "association", "the least powerful role is the default");
  await admin.fill("#user-email", "dirk@city.example");
  await admin.selectOption("#user-role", "staff");
  await submit(admin, "form[action='/users']");
  assert.ok(await admin.isVisible("#user-name-error"), "a missing name is said beside its field");
  assert.equal(await admin.inputValue("#user-email"), "dirk@city.example");
  assert.equal(await admin.inputValue("#user-role"), "staff", "the role chosen is kept");
  await admin.fill("#user-email", "staff@city.example");
  await admin.fill("#user-name", "Dubbel");
  await submit(admin, "form[action='/users']");
  assert.match(await admin.textContent("#user-email-error"), /already exists/);
  await checkPage(admin, "users-errors-en");
  await adminNl.goto(`${base}/users`);
  await checkPage(adminNl, "users-nl");

  // A member of staff who will leave, with a password and an API token.
  const eva = await api("POST", "/users", {
    email: "eva@city.example", display_name: "Eva", password: "eva-password-12", role: "staff",
  });
  const evaToken = (await fetch(`${base}/api/v1/auth/token`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "eva@city.example", password: "eva-password-12" }),
  }).then((r) => r.json())).token;
  await admin.goto(`${base}/users`);
  await admin.click("#users a:text('eva@city.example')");
  await admin.waitForURL(new RegExp(`/users/${eva.id}$`));
  await admin.fill("#display_name", "Eva Peeters");
  await admin.selectOption("#language", "en");
  await submit(admin, `form[action='/users/${eva.id}']`);
  assert.match(admin.url(), /done=user_saved/);
  assert.equal((await api("GET", `/users/${eva.id}`)).display_name, "Eva Peeters");
  await checkPage(admin, "user-en");
  await adminNl.goto(`${base}/users/${eva.id}`);
  await checkPage(adminNl, "user-nl");

  await submit(admin, `form[action='/users/${eva.id}/disable']`);
  await checkPage(admin, "user-disable-confirm-en");
  await confirm(admin, [/can no longer sign in/]);
  await admin.waitForURL(/done=user_disabled/);
  assert.match(await admin.textContent("#account-state"), /Disabled/);
  assert.equal((await api("GET", `/users/${eva.id}`)).disabled, true);
  const refused = await fetch(`${base}/api/v1/users/${eva.id}`, { headers: { authorization: `Bearer ${evaToken}` } });
  assert.equal(refused.status, 401, "a disabled user's token stops working");
  const evaPage = await newPage("en-GB");
  await signIn(evaPage, "eva@city.example", "eva-password-12");
  assert.match(await evaPage.textContent("main"), /Wrong e-mail address or password/);
  assert.match(evaPage.url(), /\/login/);

  await submit(admin, `form[action='/users/${eva.id}/enable']`);
  assert.match(admin.url(), /done=user_enabled/);
  await signIn(evaPage, "eva@city.example", "eva-password-12");
  await evaPage.waitForURL((url) => !url.pathname.startsWith("/login"));

  await submit(admin, `form[action='/users/${eva.id}/delete']`);
  await confirm(admin, [/account is removed/]);
  await admin.waitForURL(/done=user_deleted/);
  assert.equal(await admin.locator("#users a:text('eva@city.example')").count(), 0);
  seen.clean("users");
});

test("associations: edited, refused without a reason kept on the page, verified after a confirmation, refused, deleted", async () => {
  const seen = watch(admin);
  const association = async (name, email) => api("POST", "/organisations", {
    name, kind: "association", contact_name: "Jan", contact_email: email, description: "Een club",
  });
  const choir = await association("Koor Cantabile", "jan@cantabile.example");
  const fake = await association("Gratis Reizen", "win@reizen.example");
  await api("POST", "/users", {
    email: "jan@cantabile.example", display_name: "Jan", password: "jan-password-12",
    role: "association", organisation_id: choir.id,
  });

  await admin.goto(`${base}/organisations`);
  await admin.click("#organisations a:text('Koor Cantabile')");
  await admin.waitForURL(new RegExp(`/organisations/${choir.id}$`));
  await admin.fill("#description", "Gemengd koor uit de binnenstad");
  await admin.fill("#contact_email", "not an address");
  await submit(admin, `form[action='/organisations/${choir.id}']`);
  assert.ok(await admin.isVisible("#contact_email-error"));
  assert.equal(await admin.inputValue("#description"), "Gemengd koor uit de binnenstad");
  await admin.fill("#contact_email", "info@cantabile.example");
  await submit(admin, `form[action='/organisations/${choir.id}']`);
  assert.match(admin.url(), /done=organisation_saved/);
  assert.equal((await api("GET", `/organisations/${choir.id}`)).contact_email, "info@cantabile.example");

  await submit(admin, `form[action='/organisations/${choir.id}/refuse']`);
  assert.match(await admin.textContent("#reason-error"), /Say why/);
  await checkPage(admin, "organisation-refuse-error-en");
  await adminNl.goto(`${base}/organisations/${choir.id}`);
  await checkPage(adminNl, "organisation-nl");

  await submit(admin, `form[action='/organisations/${choir.id}/verify']`);
  await checkPage(admin, "organisation-verify-confirm-en");
  await confirm(admin, [/may submit events from now on/]);
  await admin.waitForURL(/done=verified/);
  assert.equal((await api("GET", `/organisations/${choir.id}`)).verified, true);

  await admin.goto(`${base}/organisations/${fake.id}`);
  await admin.fill("#reason", "Geen vereniging uit onze stad");
  await submit(admin, `form[action='/organisations/${fake.id}/refuse']`);
  await confirm(admin, [/Geen vereniging uit onze stad/, /removed/]);
  await admin.waitForURL(/done=refused/);
  const refused = await fetch(`${base}/api/v1/organisations/${fake.id}`, { headers: { authorization: `Bearer ${adminToken}` } });
  assert.equal(refused.status, 404);

  // Deleting says what goes with it: its member.
  await admin.goto(`${base}/organisations/${choir.id}`);
  await submit(admin, `form[action='/organisations/${choir.id}/delete']`);
  await checkPage(admin, "organisation-delete-confirm-en");
  await confirm(admin, [/User accounts removed: 1/, /Events removed: 0/]);
  await admin.waitForURL(/done=organisation_deleted/);
  const deleted = await fetch(`${base}/api/v1/organisations/${choir.id}`, { headers: { authorization: `Bearer ${adminToken}` } });
  assert.equal(deleted.status, 404);
  seen.clean("associations");
});

test("the media library: thumbnails, where each file is used, an unused file deleted; an association sees its own", async () => {
  const seen = watch(admin);
  const club = await api("POST", "/organisations", {
    name: "Volleybal Oost", kind: "association", contact_name: "Sien", contact_email: "sien@volley.example",
  });
  await api("POST", `/organisations/${club.id}/verify`);
  await api("POST", "/users", {
    email: "sien@volley.example", display_name: "Sien", password: "sien-password-12",
    role: "association", organisation_id: club.id,
  });
  const clubToken = (await fetch(`${base}/api/v1/auth/token`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "sien@volley.example", password: "sien-password-12" }),
  }).then((r) => r.json())).token;
  const used = await uploadImage(adminToken, "zomerfeest.png", "1920x1080");
  const unused = await uploadImage(adminToken, "oude-affiche.png", "1080x1920");
  const own = await uploadImage(clubToken, "volley.png", "1200x800");
  const playlist = await playlistOf(buildings.library);
  await api("POST", `/playlists/${playlist.id}/items`, { kind: "slide", media_id: used.id, duration_ms: 8000 });

  await admin.goto(`${base}/library`);
  const row = (id) => admin.locator(`#library tr:has(img[src='/library/${id}/thumbnail'])`);
  assert.match(await row(used.id).innerText(), /zomerfeest\.png[\s\S]*Image[\s\S]*Playlist of Bibliotheek/);
  assert.equal(await row(used.id).locator("button").count(), 0, "a file in use cannot be deleted");
  assert.match(await row(own.id).innerText(), /Sien[\s\S]*Volleybal Oost/);
  const loaded = await admin.$$eval("#library img", (imgs) => imgs.map((img) => img.complete && img.naturalWidth > 0));
  assert.ok(loaded.length === 3 && loaded.every(Boolean), `every thumbnail shows: ${loaded}`);
  await checkPage(admin, "library-en");
  await adminNl.goto(`${base}/library`);
  await checkPage(adminNl, "library-nl");

  await admin.click(`form[action='/library/${unused.id}/delete'] button`);
  await checkPage(admin, "library-delete-confirm-en");
  await confirm(admin, [/no event, playlist or emergency message uses it/]);
  await admin.waitForURL(/done=media_deleted/);
  assert.equal(await row(unused.id).count(), 0);
  const gone = await fetch(`${base}/api/v1/media/${unused.id}`, { headers: { authorization: `Bearer ${adminToken}` } });
  assert.equal(gone.status, 404);

  const member = await newPage("nl-BE");
  await signIn(member, "sien@volley.example", "sien-password-12");
  await member.goto(`${base}/library`);
  const names = await member.$$eval("#library th[scope=row]", (ths) => ths.map((th) => th.textContent));
  assert.equal(names.length, 1);
  assert.match(names[0], /volley\.png/);
  await checkPage(member, "library-association-nl");
  const others = await member.goto(`${base}/library/${used.id}/thumbnail`);
  assert.equal(others.status(), 404, "another library's file looks absent");
  seen.clean("library");
});

test("every user changes their own password; mistakes are said beside the fields", async () => {
  await api("POST", "/users", {
    email: "fien@city.example", display_name: "Fien", password: "fien-password-12", role: "staff",
  });
  const fien = await newPage("en-GB");
  const seen = watch(fien);
  await signIn(fien, "fien@city.example", "fien-password-12");
  await fien.goto(`${base}/account`);
  await fien.fill("#current_password", "not-my-password");
  await fien.fill("#new_password", "fien-new-password-34");
  await fien.fill("#new_password_again", "fien-new-password-34");
  await submit(fien, "form[action='/account/password']");
  assert.match(await fien.textContent("#current_password-error"), /is not your current password/);
  await fien.fill("#current_password", "fien-password-12");
  await fien.fill("#new_password", "fien-new-password-34");
  await fien.fill("#new_password_again", "something-else-56");
  await submit(fien, "form[action='/account/password']");
  assert.match(await fien.textContent("#new_password-error"), /the two new passwords are not the same/);
  await checkPage(fien, "account-password-error-en");
  await fien.fill("#current_password", "fien-password-12");
  await fien.fill("#new_password", "fien-new-password-34");
  await fien.fill("#new_password_again", "fien-new-password-34");
  await submit(fien, "form[action='/account/password']");
  assert.match(fien.url(), /done=password/);
  const nl = await newPage("nl-BE");
  await signIn(nl, "fien@city.example", "fien-password-12");
  assert.match(nl.url(), /\/login/, "the old password no longer works");
  await signIn(nl, "fien@city.example", "fien-new-password-34");
  await nl.waitForURL((url) => !url.pathname.startsWith("/login"));
  await nl.goto(`${base}/account`);
  await checkPage(nl, "account-nl");
  seen.clean("account");
});

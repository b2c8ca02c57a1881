// The kiosk pages in a real browser: a player paired as an interactive kiosk, its page linking
// to the kiosk's settings, the map chosen from the library by its thumbnail, "you are here" and
// the places typed as x/y in thousandths, each mistake beside its field with what was typed
// kept, and the kiosk's next manifest carrying it; the city's services added, edited and
// removed through the confirmation step, a CSV with bad lines refused with every bad line
// listed beside the import field and its text kept there, a good one imported. Every page in
// Dutch and English at 390 and 1440 px with axe-core (checkPage); screenshots land in
// screenshots/kiosks/.
//
// On its own: CIVICAST_SERVER_BIN=<path> node --test kiosks.test.mjs (in tests/browser).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  base, startCivicast, stopCivicast, api, poster, newPage, watch as watchAll, signIn, checkPage,
  adminToken,
} from "./harness.mjs";

/// As the harness watches, with a form's 422 (shown again with its mistakes) taken as meant.
function watch(page) {
  const seen = watchAll(page);
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

let staff; // a member of staff, in English
let staffNl; // the same, in Dutch
let station;
let museum;
let map;

async function submit(page, form) {
  await Promise.all([page.waitForNavigation(), page.click(`${form} button[type=submit]`)]);
}

async function uploadImage(name, size) {
  const bytes = readFileSync(poster(name, size));
  const response = await fetch(`${base}/api/v1/media?filename=${encodeURIComponent(name)}`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "image/png" },
    body: bytes,
  });
  assert.ok(response.ok, `upload of ${name}: ${response.status}`);
  return response.json();
}

before(async () => {
  await startCivicast("kiosks");
  station = await api("POST", "/buildings", { name: "Station", address: "Stationsplein 1", venue_type: "town_hall" });
  museum = await api("POST", "/buildings", {
    name: "Museum", address: "Broelkaai 6", venue_type: "museum",
    opening_hours: [{ weekdays: ["Tue", "Wed"], start: "10:00:00", end: "17:00:00" }],
  });
  map = await uploadImage("city-map.png", "1600x1200");
  staff = await newPage("en-GB");
  await signIn(staff, "staff@city.example", "staff-password-1");
  staffNl = await newPage("nl-BE");
  await signIn(staffNl, "staff@city.example", "staff-password-1");
});

after(stopCivicast);

test("a kiosk: paired as one, its map page set with mistakes kept beside their fields, carried in its manifest", async () => {
  const seen = watch(staff);
  const ticket = await fetch(`${base}/api/v1/pairing`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ width: 1080, height: 1920, player_version: "test" }),
  }).then((r) => r.json());
  await staff.goto(`${base}/buildings`);
  await staff.fill("#pair-code", ticket.code);
  await staff.selectOption("#pair-building", { label: "Station" });
  await staff.fill("#pair-name", "Station kiosk");
  await staff.selectOption("#pair-kind", "kiosk");
  await submit(staff, "form[action='/screens/pair']");
  const { items } = await api("GET", `/screens?building_id=${station.id}`);
  assert.equal(items.length, 1);
  assert.equal(items[0].kind, "kiosk");
  const id = items[0].id;
  const { token } = await fetch(`${base}/api/v1/pairing/${ticket.secret}`).then((r) => r.json());

  await staff.goto(`${base}/screens/${id}`);
  await Promise.all([staff.waitForNavigation(), staff.click("#kiosk-link")]);
  assert.equal(new URL(staff.url()).pathname, `/screens/${id}/kiosk`);
  assert.equal(await staff.inputValue("#idle_timeout_s"), "60");
  assert.equal(await staff.inputValue("#diagonal_in"), "43");
  await checkPage(staff, "kiosk-en");

  // Two mistakes: an idle time too short, and a place with a position but no name.
  await staff.fill("#idle_timeout_s", "5");
  await staff.fill("#diagonal_in", "55");
  await staff.check(`input[name=map_media_id][value='${map.id}']`);
  await staff.fill("#here_x", "480");
  await staff.fill("#here_y", "520");
  await staff.fill("#point_name_0", "Tourist office");
  await staff.fill("#point_x_0", "100");
  await staff.fill("#point_y_0", "900");
  await staff.selectOption("#point_building_0", { label: "Museum" });
  await staff.fill("#point_directions_0", "Cross the square, second street left");
  await staff.fill("#point_x_1", "600");
  await staff.fill("#point_y_1", "100");
  await submit(staff, "#kiosk-form");
  assert.match(await staff.textContent("#idle_timeout_s-error"), /between 15 and 600 seconds/);
  assert.match(await staff.textContent("#point_name_1-error"), /is required/);
  assert.equal(await staff.inputValue("#point_name_0"), "Tourist office", "what was typed is kept");
  assert.equal(await staff.inputValue("#point_building_0"), museum.id);
  assert.equal(await staff.inputValue("#diagonal_in"), "55");
  assert.ok(await staff.isChecked(`input[name=map_media_id][value='${map.id}']`), "the map chosen is kept");
  await checkPage(staff, "kiosk-errors-en");
  assert.equal((await api("GET", `/screens/${id}/kiosk`)).updated_at, null, "nothing was stored");

  await staff.fill("#idle_timeout_s", "90");
  await staff.fill("#point_name_1", "Bus station");
  await submit(staff, "#kiosk-form");
  assert.match(staff.url(), /done=kiosk_saved/);
  const stored = await api("GET", `/screens/${id}/kiosk`);
  assert.equal(stored.idle_timeout_s, 90);
  assert.equal(stored.diagonal_mm, 1397);
  assert.equal(stored.map_media_id, map.id);
  assert.deepEqual(stored.here, { x: 480, y: 520 });
  assert.deepEqual(stored.points.map((p) => p.name), ["Tourist office", "Bus station"]);
  assert.equal(stored.points[0].building_id, museum.id);
  // The map preview marks where the kiosk and the places are; a click places the place whose
  // fields had the focus.
  assert.equal(await staff.locator("#map-preview .mark").count(), 3);
  await staff.focus("#point_name_2");
  const box = await staff.locator("#map-preview img").boundingBox();
  await staff.locator("#map-preview img").click({ position: { x: box.width * 0.25, y: box.height * 0.75 } });
  assert.ok(Math.abs(Number(await staff.inputValue("#point_x_2")) - 250) <= 5, "x placed by a click");
  assert.ok(Math.abs(Number(await staff.inputValue("#point_y_2")) - 750) <= 5, "y placed by a click");
  assert.equal(await staff.locator("#map-preview .mark").count(), 4);

  const manifest = await fetch(`${base}/api/v1/screen/manifest`, {
    headers: { authorization: `Bearer ${token}` },
  }).then((r) => r.json());
  assert.equal(manifest.kiosk.idle_timeout_s, 90);
  assert.equal(manifest.kiosk.map.points[0].name, "Tourist office");
  assert.deepEqual(manifest.kiosk.map.points[0].opening_hours[0].weekdays, ["Tue", "Wed"]);

  await staffNl.goto(`${base}/screens/${id}/kiosk`);
  assert.equal(await staffNl.textContent("#here legend"), "U bent hier");
  await checkPage(staffNl, "kiosk-nl");

  // A screen that is not a kiosk says how to make it one.
  const plain = await api("POST", "/screens", {
    building_id: station.id, name: "Lobby", kind: "information_screen",
    width: 1920, height: 1080, orientation: "landscape",
  });
  await staff.goto(`${base}/screens/${plain.id}/kiosk`);
  assert.match(await staff.textContent("#not-kiosk"), /not a kiosk/);
  assert.equal(await staff.locator("#kiosk-form").count(), 0);
  seen.clean("kiosk");
});

const BAD_CSV = [
  "name,identifier,purpose,place,desk,hours,phone,web_url",
  "Passport,LGSL-1,Travel documents,City hall,Desk 1,Mon-Fri 9-12,,https://city.example/passport",
  "Waste collection,,,Depot,,,,",
  "Parking permit,,Residents' parking,City hall,Desk 3,,,",
  "Library card,,Borrow books,Library,,,,ftp://library.example",
  "Building permit,,Build or renovate,City hall,Desk 5,,,",
].join("\n");

test("services: added and edited with mistakes beside their fields, a bad CSV refused line by line, a good one imported, one removed", async () => {
  const seen = watch(staff);
  await staff.goto(`${base}/services`);
  assert.equal(await staff.getAttribute("a[href='/services']", "aria-current"), "page");
  await checkPage(staff, "services-empty-en");
  await Promise.all([staff.waitForNavigation(), staff.click("a[href='/services/new']")]);
  await staff.fill("#name", "Dog licence");
  await staff.fill("#web_url", "www.city.example/dogs");
  await submit(staff, "form[action='/services/new']");
  assert.match(await staff.textContent("#purpose-error"), /is required/);
  assert.match(await staff.textContent("#web_url-error"), /https:\/\//);
  assert.equal(await staff.inputValue("#name"), "Dog licence");
  await checkPage(staff, "service-errors-en");
  await staff.fill("#purpose", "Register your dog");
  await staff.fill("#place", "City hall");
  await staff.fill("#web_url", "https://city.example/dogs");
  await submit(staff, "form[action='/services/new']");
  assert.match(staff.url(), /done=saved/);
  assert.equal((await api("GET", "/services")).length, 1);

  // Its edit page; a name another service has is refused beside the field.
  await api("POST", "/services", { name: "Passport", purpose: "Travel documents", place: "City hall" });
  await staff.goto(`${base}/services`);
  await Promise.all([staff.waitForNavigation(), staff.click("#services a[aria-label='Edit: Dog licence']")]);
  await staff.fill("#name", "PASSPORT");
  await submit(staff, "form[action^='/services/'][class='stack']");
  assert.match(await staff.textContent("#name-error"), /in the list already/);
  await staff.fill("#name", "Dog licence");
  await staff.fill("#hours", "Mon-Fri 9:00-12:00");
  await submit(staff, "form[action^='/services/'][class='stack']");
  assert.match(staff.url(), /done=saved/);

  // A file with two bad lines of five: every bad line listed, nothing changed, the text kept.
  await staff.setInputFiles("#csv", { name: "services.csv", mimeType: "text/csv", buffer: Buffer.from(BAD_CSV) });
  await submit(staff, "form[action='/services/import']");
  const problems = await staff.locator("#import-errors li").allTextContents();
  assert.equal(problems.length, 2, problems.join(" | "));
  assert.match(problems[0], /^Line 3: purpose: is required/);
  assert.match(problems[1], /^Line 5: web_url: must be a web address/);
  assert.equal(await staff.inputValue("#csv_text"), BAD_CSV, "the file's text is kept to correct");
  assert.deepEqual((await api("GET", "/services")).map((s) => s.name), ["Dog licence", "Passport"]);
  await checkPage(staff, "services-import-errors-en");

  await staffNl.goto(`${base}/services`);
  await staffNl.fill("#csv_text", BAD_CSV);
  await submit(staffNl, "form[action='/services/import']");
  const regels = await staffNl.locator("#import-errors li").allTextContents();
  assert.match(regels[0], /^Regel 3: purpose: is verplicht/);
  await checkPage(staffNl, "services-import-errors-nl");

  // Corrected in the page itself and imported: the file is the list now.
  const good = BAD_CSV.replace("Waste collection,,,", "Waste collection,,Collection days,")
    .replace("ftp://library.example", "https://library.example");
  await staffNl.fill("#csv_text", good);
  await submit(staffNl, "form[action='/services/import']");
  assert.match(await staffNl.textContent(".notice"), /Ingelezen: 4 toegevoegd, 1 gewijzigd, 1 verwijderd/);
  assert.deepEqual(
    (await api("GET", "/services")).map((s) => s.name),
    ["Building permit", "Library card", "Parking permit", "Passport", "Waste collection"],
  );
  await checkPage(staffNl, "services-nl");

  // Removed through the confirmation, which says what happens.
  await Promise.all([staffNl.waitForNavigation(), staffNl.click("#services a[aria-label='Aanpassen: Library card']")]);
  await checkPage(staffNl, "service-nl");
  await submit(staffNl, "form[action$='/delete']");
  assert.match(await staffNl.textContent("section.confirm"), /volgende bevraging/);
  await checkPage(staffNl, "service-delete-confirm-nl");
  await Promise.all([staffNl.waitForNavigation(), staffNl.click("section.confirm button[type=submit]")]);
  assert.match(staffNl.url(), /done=deleted/);
  assert.equal((await api("GET", "/services")).length, 4);
  seen.clean("services");
});

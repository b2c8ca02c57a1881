// Every page of the portal, as the person who uses it: signed out, an association's member,
// communications staff and the administrator, each page in Dutch and in English, at a phone's
// 390 px and a desktop's 1440 px: answered 200 in the chosen language, no sideways scrolling,
// no axe-core violation, a screenshot of each under screenshots/walk/. Then what the frame
// promises on every page (the favicon, the current page marked in the menu, who is signed in),
// the emergency form's inline errors and its confirmation, a poster removed from the event form,
// and the preview on the sizes of the chosen building's screens.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  base, dataDir, startCivicast, stopCivicast, api, poster, checkPage, newPage, signIn, watch,
} from "./harness.mjs";

const MEMBER = { email: "lid@harmonie.example", password: "a-long-harmony-password" };
const ids = {};

before(async () => {
  await startCivicast("walk");
  ids.townHall = (await api("POST", "/buildings", { name: "Stadhuis", address: "Grote Markt 1", venue_type: "town_hall" })).id;
  ids.library = (await api("POST", "/buildings", { name: "Bibliotheek", address: "Kerkstraat 2", venue_type: "library" })).id;
  ids.screen = (await api("POST", "/screens", {
    building_id: ids.townHall, name: "Inkomhal", kind: "information_screen", width: 1920, height: 1080, orientation: "landscape",
  })).id;
  await api("POST", "/screens", {
    building_id: ids.townHall, name: "Gevel", kind: "led_wall", width: 1536, height: 384, orientation: "landscape",
  });
  const organisation = await api("POST", "/organisations", {
    name: "Harmonie Sint-Cecilia", kind: "association", contact_name: "Jan Peeters", contact_email: "jan@harmonie.example",
  });
  ids.organisation = organisation.id;
  await api("POST", `/organisations/${organisation.id}/verify`);
  ids.member = (await api("POST", "/users", {
    email: MEMBER.email, display_name: "Jan Peeters", password: MEMBER.password, role: "association", organisation_id: organisation.id,
  })).id;
  const memberToken = (await fetch(`${base}/api/v1/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(MEMBER),
  }).then((r) => r.json())).token;
  const event = (title, days) => ({
    title, description: "Een concert voor de hele buurt.", venue: "Sint-Jacobskerk", category: "music",
    starts_at: new Date(Date.now() + days * 86400000).toISOString(),
    ends_at: new Date(Date.now() + days * 86400000 + 7200000).toISOString(),
    target_audiences: ["seniors", "families"], link: "https://harmonie.example/concert",
    requested_building_ids: [ids.townHall],
  });
  ids.approved = (await api("POST", "/events", event("Nieuwjaarsconcert", 20), memberToken)).id;
  await api("POST", `/events/${ids.approved}/approve`, { building_ids: [ids.townHall] });
  ids.pending = (await api("POST", "/events", event("Lenteconcert", 40), memberToken)).id;
});

after(stopCivicast);

/// The pages each person opens, by the path they open them at.
function pages() {
  return {
    visitor: ["/login", "/register", "/password/forgot", "/agenda", `/agenda/${ids.approved}`],
    member: ["/", "/events", "/events/new", `/events/${ids.approved}`, `/events/${ids.pending}/edit`, "/reports", "/library", "/inbox", "/account"],
    staff: [
      "/", "/moderation", `/events/${ids.pending}`, "/buildings", `/buildings/${ids.townHall}/playlist`, `/buildings/${ids.townHall}/calendar`,
      `/buildings/${ids.townHall}/audience`, "/audience", "/screens", `/screens/${ids.screen}`, "/screens/pair", "/services", "/services/new",
      "/organisations", `/organisations/${ids.organisation}`, "/library", "/reports", "/reports/fairness",
      "/reports/delivery", "/reports/kiosks", "/emergency", "/audit", "/inbox", "/account",
    ],
    admin: ["/users", `/users/${ids.member}`, "/mail", `/buildings/${ids.townHall}`, "/buildings/new", `/buildings/${ids.townHall}/hours`],
  };
}

async function signedIn(who, lang) {
  const page = await newPage(lang === "nl" ? "nl-BE" : "en-GB");
  if (who === "member") await signIn(page, MEMBER.email, MEMBER.password);
  if (who === "staff") await signIn(page, "staff@city.example", "staff-password-1");
  if (who === "admin") {
    const password = readFileSync(join(dataDir, "initial-admin-password.txt"), "utf8").trim();
    await signIn(page, "admin@civicast.local", password);
  }
  if (who !== "visitor") await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  // The switch in the header sets the language (and a signed-in user's own).
  await page.goto(`${base}/language/${lang}?back=/`);
  return page;
}

for (const who of ["visitor", "member", "staff", "admin"]) {
  for (const lang of ["nl", "en"]) {
    test(`every page of the ${who}, in ${lang === "nl" ? "Dutch" : "English"}, at 390 and 1440 px`, async () => {
      const page = await signedIn(who, lang);
      const seen = watch(page);
      for (const path of pages()[who]) {
        const response = await page.goto(`${base}${path}`);
        assert.equal(response.status(), 200, `${who} opens ${path}`);
        assert.equal(await page.getAttribute("html", "lang"), lang, `${path} is in ${lang}`);
        const name = `${who}-${lang}${path.replace(/\/[0-9a-f-]{36}/g, "/id").replace(/[^a-z0-9]+/gi, "-")}`;
        await checkPage(page, name.replace(/-$/, ""));
      }
      seen.clean(`${who}'s pages in ${lang}`);
      await page.context().close();
    });
  }
}

test("every page's frame: a favicon, the current page marked, who is signed in", async () => {
  const icon = await fetch(`${base}/favicon.ico`);
  assert.equal(icon.status, 200);
  assert.equal(icon.headers.get("content-type"), "image/x-icon");
  assert.ok((await icon.arrayBuffer()).byteLength > 100);
  const page = await signedIn("staff", "nl");
  await page.goto(`${base}/screens`);
  const current = await page.$$eval("nav a[aria-current=page]", (links) => links.map((a) => a.getAttribute("href")));
  assert.deepEqual(current, ["/screens"], "only the page shown is marked");
  await page.goto(`${base}/buildings/${ids.townHall}/playlist`);
  assert.deepEqual(
    await page.$$eval("nav a[aria-current=page]", (links) => links.map((a) => a.getAttribute("href"))),
    ["/buildings"],
    "a page under Buildings marks Buildings",
  );
  assert.match(await page.textContent("header"), /staff@city\.example/);
  assert.equal(await page.getAttribute("link[rel=icon][type='image/svg+xml']", "href"), "/favicon.svg");
  await page.context().close();
});

test("the emergency form keeps what was typed beside its mistake, and asks before every screen", async () => {
  const page = await signedIn("staff", "nl");
  await page.goto(`${base}/emergency`);
  await page.selectOption("#emergency-where", ids.library);
  const refused = page.waitForResponse((r) => r.url().endsWith("/emergency") && r.request().method() === "POST");
  await page.click("form[action='/emergency'] button[type=submit]");
  assert.equal((await refused).status(), 422);
  assert.ok(await page.isVisible("#text-error"), "the empty text is named beside its field");
  assert.equal(await page.inputValue("#emergency-where"), ids.library, "the building chosen is kept");
  await checkPage(page, "emergency-error");
  await page.fill("#emergency-text", "Brandalarm: verlaat het gebouw");
  await page.selectOption("#emergency-where", "");
  await page.click("form[action='/emergency'] button[type=submit]");
  assert.equal(await page.textContent("h1"), "Dit bericht op elk scherm tonen?");
  assert.match(await page.textContent("main"), /Brandalarm: verlaat het gebouw/);
  await checkPage(page, "emergency-confirm");
  assert.deepEqual(await api("GET", "/emergency"), [], "nothing is on the screens before the confirmation");
  await page.click("text=Annuleren");
  await page.waitForURL(/\/emergency$/);
  await page.fill("#emergency-text", "Brandalarm: verlaat het gebouw");
  await page.click("form[action='/emergency'] button[type=submit]");
  await page.click("form[action='/emergency'] button.danger");
  await page.waitForURL(/done=emergency/);
  assert.match(await page.textContent("#active-emergencies"), /Alle schermen · Brandalarm/);
  await page.click("#active-emergencies button");
  await page.waitForURL(/done=cleared/);
  await page.context().close();
});

test("a poster kept from an earlier try can be removed, and the preview uses the chosen building's screens", async () => {
  const page = await signedIn("member", "nl");
  await page.goto(`${base}/events/new`);
  await page.fill("#title", "Zomerconcert");
  await page.fill("#starts_at", "2030-07-04T20:00");
  await page.fill("#ends_at", "2030-07-04T22:00");
  await page.fill("#venue", "Stadspark");
  await page.check(`input[name=requested_building_ids][value='${ids.townHall}']`);
  await page.setInputFiles("#poster", poster("zomer.png", "1000x1414"));
  await page.click("form[enctype] button[type=submit]");
  const labels = await page.$$eval(".preview figcaption", (captions) => captions.map((c) => c.textContent.trim()));
  assert.deepEqual(labels, ["Stadhuis · 1536 × 384", "Stadhuis · 1920 × 1080"], "the Stadhuis's two screens, each once");
  assert.equal(await page.locator(".screen img.poster").count(), 2, "the poster is on both");
  // Back to the form: the poster is kept and shown, and can be taken off.
  await page.click("button[formaction]");
  assert.ok(await page.isVisible(".kept-poster img"), "the kept poster is shown on the form");
  await checkPage(page, "event-form-kept-poster");
  await page.check("#remove_poster");
  await page.click("form[enctype] button[type=submit]");
  assert.equal(await page.locator(".screen img.poster").count(), 0, "no poster once removed");
  assert.equal(await page.locator(".screen .leaf").count() > 0, true, "the card is made from the fields");
  await page.context().close();
});

test("approving one event with no building ticked says so beside the buildings and keeps the dates typed", async () => {
  const page = await signedIn("staff", "nl");
  await page.goto(`${base}/events/${ids.pending}`);
  for (const box of await page.$$("#approve-form input[name=building_ids]")) await box.uncheck();
  await page.fill("#promotion_from", "2030-01-02T08:00");
  const refused = page.waitForResponse((r) => r.url().endsWith("/approve"));
  await page.click("#approve-form button[type=submit]");
  assert.equal((await refused).status(), 422);
  assert.ok(await page.isVisible("#building_ids-error"), "the missing building is named beside the buildings");
  assert.equal(await page.inputValue("#promotion_from"), "2030-01-02T08:00", "the date typed is kept");
  await checkPage(page, "approve-no-building");
  await page.fill("#promotion_from", "");
  await page.check(`#approve-form input[name=building_ids][value='${ids.library}']`);
  await page.click("#approve-form button[type=submit]");
  await page.waitForURL(/done=approved/);
  const event = await api("GET", `/events/${ids.pending}`);
  assert.deepEqual(event.approved_building_ids, [ids.library]);
  await page.context().close();
});

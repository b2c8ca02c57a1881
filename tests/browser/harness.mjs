// What every browser test file shares: the real server binary on a fresh SQLite database, a
// real SMTP server that keeps what it receives as files, Debian's headless Chromium driven by
// playwright-core, axe-core, screenshots, and the checks a user would make of a page.

import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync, existsSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const SHOTS = join(here, "screenshots");
const SERVER_BIN = process.env.CIVICAST_SERVER_BIN;
const CHROMIUM = process.env.CHROMIUM_BIN || "/usr/bin/chromium";

// Live bindings: a test file reads them after `startCivicast` has set them.
export let server, base, dataDir, browser, adminToken, mailDir;
export let serverLog = "";
let smtp;
let smtpLog = "";
let shots = SHOTS;

export function freePort() {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

export async function waitFor(check, what, ms = 30000) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch {}
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function api(method, path, body, token = adminToken) {
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/// A UUID v7, as players give their play records.
export function uuidv7() {
  const time = Date.now().toString(16).padStart(12, "0");
  const rand = randomBytes(10).toString("hex");
  const variant = (8 + (parseInt(rand[3], 16) & 3)).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${rand.slice(0, 3)}-${variant}${rand.slice(4, 7)}-${rand.slice(7, 19)}`;
}

export function poster(name, size) {
  const path = join(dataDir, name);
  execFileSync("convert", ["-size", size, "gradient:#0b4f8a-#f5a300", path]);
  return path;
}

/// Runs axe-core in the page; every violation fails the test with what and where.
export async function checkAccessibility(page, name) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () =>
    // The screen previews reproduce the players' colours on purpose; they are one image to
    // assistive technology (role="img" with the event's title), so their text is not checked.
    window.axe.run({ exclude: [[".screen .card"]] }, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    }),
  );
  assert.ok(result.passes.length > 10, `axe-core ran its rules on ${name}`);
  const problems = result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
  assert.deepEqual(problems, [], `accessibility problems on ${name}`);
}

export async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

export async function newPage(lang = "nl-BE", viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({
    locale: lang,
    bypassCSP: true, // lets the test inject axe-core; the pages' own policy is checked elsewhere
    viewport,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  return page;
}

/// Watches a page for what the user would not see: a script error, an error in the console, an
/// answer 500 or above. `clean()` fails the test with what was seen.
export function watch(page) {
  const seen = [];
  page.on("pageerror", (error) => seen.push(`script error: ${error.message}`));
  page.on("console", (message) => {
    // Chromium logs every answer of 400 or more as a console error; a form's 422 (its
    // mistakes shown beside the fields) or a refused 403 is meant. 500s are caught below.
    if (message.type() === "error" && !/status of 4\d\d/.test(message.text())) {
      seen.push(`console error: ${message.text()}`);
    }
  });
  page.on("response", (response) => {
    if (response.status() >= 500) seen.push(`${response.status()} from ${response.url()}`);
  });
  return { clean: (name) => assert.deepEqual(seen, [], `nothing went wrong on ${name}`) };
}

/// The page is no wider than the window at the given size: nothing scrolls sideways.
export async function checkNoSidewaysScroll(page, { width, height }, name) {
  await page.setViewportSize({ width, height });
  const scrolled = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrolled <= width, `no sideways scrolling on ${name} at ${width}x${height} (page is ${scrolled}px wide)`);
}

/// A MIME message's parts that are not multipart themselves, decoded: [{ type, text }].
export function mimeParts(raw) {
  const split = raw.search(/\r?\n\r?\n/);
  const head = (split < 0 ? raw : raw.slice(0, split)).replace(/\r?\n[ \t]+/g, " ");
  const body = split < 0 ? "" : raw.slice(split).replace(/^\r?\n\r?\n/, "");
  const header = (name) => head.match(new RegExp(`^${name}:\\s*(.*)$`, "im"))?.[1] ?? "";
  const type = header("Content-Type") || "text/plain";
  const boundary = type.match(/boundary="?([^";]+)"?/i)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    const pieces = body.split(`--${boundary}`).slice(1);
    return pieces.filter((piece) => !piece.startsWith("--")).flatMap((piece) => mimeParts(piece.replace(/^\r?\n/, "")));
  }
  const encoding = header("Content-Transfer-Encoding").trim().toLowerCase();
  let bytes;
  if (encoding === "base64") bytes = Buffer.from(body.replace(/\s+/g, ""), "base64");
  else if (encoding === "quoted-printable") {
    const unbroken = body.replace(/=\r?\n/g, "");
    bytes = Buffer.from(unbroken.replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16))), "latin1");
  } else bytes = Buffer.from(body, "utf8");
  return [{ type: type.split(";")[0].trim().toLowerCase(), text: bytes.toString("utf8") }];
}

/// A header's value with RFC 2047 encoded words decoded.
export function mailHeader(raw, name) {
  const split = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, " ");
  const value = head.match(new RegExp(`^${name}:\\s*(.*)$`, "im"))?.[1] ?? "";
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, charset, kind, text) =>
      kind.toUpperCase() === "B"
        ? Buffer.from(text, "base64").toString("utf8")
        : Buffer.from(text.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, (__, hex) => String.fromCharCode(parseInt(hex, 16))), "latin1").toString("utf8"));
}

/// The messages the test SMTP server received for an address: [{ raw, subject, text, html }].
export function mailsTo(address) {
  const folder = join(mailDir, "messages");
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith(".eml"))
    .sort((a, b) => parseInt(a) - parseInt(b))
    .filter((name) => {
      const envelope = JSON.parse(readFileSync(join(folder, name.replace(/\.eml$/, ".json")), "utf8"));
      return envelope.rcpt_tos.some((to) => to.toLowerCase() === address.toLowerCase());
    })
    .map((name) => {
      const raw = readFileSync(join(folder, name), "latin1");
      const parts = mimeParts(raw);
      return {
        raw,
        subject: mailHeader(Buffer.from(raw, "latin1").toString("utf8"), "Subject"),
        text: parts.find((p) => p.type === "text/plain")?.text ?? "",
        html: parts.find((p) => p.type === "text/html")?.text ?? "",
      };
    });
}

export async function signIn(page, email, password) {
  await page.goto(`${base}/login`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.click("form[action='/login'] button[type=submit]");
}

/// Starts a real SMTP server, the server binary on a fresh SQLite database and Chromium; signs
/// the first admin in over the API (`adminToken`) and adds a member of staff,
/// staff@city.example / staff-password-1. Screenshots go to screenshots/<suite>/.
export async function startCivicast(suite) {
  assert.ok(SERVER_BIN && existsSync(SERVER_BIN), "set CIVICAST_SERVER_BIN to the built civicast-server");
  shots = join(SHOTS, suite);
  rmSync(shots, { recursive: true, force: true });
  mkdirSync(shots, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), "civicast-browser-"));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // A real SMTP server that keeps what it receives as files, so that the tests read the mails
  // (and follow their links) as the people who get them would. --watch-stdin: it ends with us.
  mailDir = mkdtempSync(join(tmpdir(), "civicast-browser-smtp-"));
  smtp = spawn("/usr/bin/python3", [join(here, "..", "src", "smtp_server.py"), "--port", "0", "--dir", mailDir, "--watch-stdin"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  smtp.stderr.on("data", (chunk) => (smtpLog += chunk));
  const smtpPort = await new Promise((resolve, reject) => {
    let out = "";
    smtp.stdout.on("data", (chunk) => {
      out += chunk;
      const ready = out.match(/ready (\d+)/);
      if (ready) resolve(Number(ready[1]));
    });
    smtp.on("exit", (code) => reject(new Error(`the SMTP server ended (${code}): ${smtpLog}`)));
  });
  server = spawn(SERVER_BIN, ["--bind", `127.0.0.1:${port}`, "--data-dir", dataDir], {
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      ...process.env,
      RUST_LOG: "warn",
      CIVICAST_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      CIVICAST_PUBLIC_URL: base,
    },
  });
  server.stderr.on("data", (chunk) => {
    serverLog += chunk;
    process.stderr.write(chunk);
  });
  await waitFor(async () => (await fetch(`${base}/healthz`)).ok, "the server");
  const password = readFileSync(join(dataDir, "initial-admin-password.txt"), "utf8").trim();
  const token = await fetch(`${base}/api/v1/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "admin@civicast.local", password }),
  }).then((r) => r.json());
  adminToken = token.token;
  // A member of communications staff, and three buildings.
  await api("POST", "/users", {
    email: "staff@city.example",
    display_name: "Communications",
    password: "staff-password-1",
    role: "staff",
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

/// Stops what `startCivicast` started and removes its folders.
export async function stopCivicast() {
  await browser?.close();
  server?.kill("SIGTERM");
  smtp?.stdin.end();
  smtp?.kill("SIGTERM");
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (mailDir) rmSync(mailDir, { recursive: true, force: true });
}


/// The pages at the phone and desktop widths every page must work at.
export const WIDTHS = [
  { width: 390, height: 844 },
  { width: 1440, height: 900 },
];

/// One page as a user would judge it: at 390 px and 1440 px wide, no sideways scrolling, no
/// axe-core violation, a screenshot of each (`<name>-390.png`, `<name>-1440.png`).
export async function checkPage(page, name) {
  for (const size of WIDTHS) {
    await checkNoSidewaysScroll(page, size, `${name} at ${size.width}px`);
    await checkAccessibility(page, `${name} at ${size.width}px`);
    await shot(page, `${name}-${size.width}`);
  }
}

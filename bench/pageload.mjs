// Bytes on the wire and time to a hydrated page, as a browser sees them: a cold sign-in
// that lands on the profile (empty cache), then a plain reload of that profile (warm).
// Counts every response's encoded size from Chromium's DevTools protocol, headers included.
// Usage: BASE_URL=http://127.0.0.1:3000 PAGELOAD_USER=… PAGELOAD_PASSWORD=… node bench/pageload.mjs
// bench/pageload.sh starts a release server with a user and runs this.
import { createRequire } from "node:module";

const require = createRequire(new URL("../end2end/package.json", import.meta.url));
const { chromium } = require("@playwright/test");

const base = process.env.BASE_URL;
const username = process.env.PAGELOAD_USER;
const password = process.env.PAGELOAD_PASSWORD;
if (!base || !username || !password) {
  console.error("BASE_URL, PAGELOAD_USER and PAGELOAD_PASSWORD must be set");
  process.exit(2);
}

/** Sums what crosses the network from now on; `take()` returns the sums and starts again. */
async function wireMeter(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  let bytes = 0;
  let responses = 0;
  let fromCache = 0;
  let byKind = {};
  const kindOf = new Map();
  cdp.on("Network.responseReceived", ({ requestId, response }) => {
    const path = new URL(response.url).pathname;
    kindOf.set(requestId, path.startsWith("/pkg/") ? `bundle ${path.split(".").pop()}` : path.startsWith("/rpc/") ? "calls" : "pages");
  });
  cdp.on("Network.loadingFinished", (event) => {
    bytes += event.encodedDataLength;
    responses += 1;
    const kind = kindOf.get(event.requestId) ?? "other";
    byKind[kind] = (byKind[kind] ?? 0) + event.encodedDataLength;
  });
  cdp.on("Network.requestServedFromCache", () => { fromCache += 1; });
  return {
    take() {
      const sums = { bytes, responses, fromCache, byKind };
      byKind = {};
      bytes = 0;
      responses = 0;
      fromCache = 0;
      return sums;
    },
  };
}

async function hydrated(page) {
  await page.locator("body[data-hydrated]").waitFor({ state: "attached", timeout: 30_000 });
}

/** Milliseconds until the page's network has been quiet, so late calls are counted too. */
async function settle(page) {
  await page.waitForLoadState("networkidle");
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const meter = await wireMeter(page);

  let started = performance.now();
  await page.goto(`${base}/login`);
  await hydrated(page);
  const loginHydrated = performance.now() - started;
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  started = performance.now();
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/profile");
  const urlChanged = performance.now() - started;
  await page.getByRole("heading", { name: "Sign in to Tessera" }).waitFor({ state: "detached" });
  const formGone = performance.now() - started;
  await page.getByRole("heading", { name: "Manage Personal Access Tokens" }).waitFor();
  const profileShown = performance.now() - started;
  await settle(page);
  const cold = meter.take();

  started = performance.now();
  await page.reload();
  await hydrated(page);
  const reloadHydrated = performance.now() - started;
  await settle(page);
  const warm = meter.take();

  const kb = (n) => (n / 1000).toFixed(1).padStart(7);
  const ms = (n) => n.toFixed(0).padStart(5);
  const count = (n) => String(n).padStart(9);
  console.log("flow                             wire KB  responses  from cache  ready (ms)");
  console.log(`cold: /login hydrated           ${kb(cold.bytes)}  ${count(cold.responses)}  ${count(cold.fromCache)}   ${ms(loginHydrated)}`);
  console.log(`warm: reload /profile hydrated  ${kb(warm.bytes)}  ${count(warm.responses)}  ${count(warm.fromCache)}   ${ms(reloadHydrated)}`);
  const kinds = (sums) => Object.entries(sums.byKind).map(([kind, n]) => `${kind} ${(n / 1000).toFixed(1)}`).join(", ");
  console.log(`cold KB by kind: ${kinds(cold)}`);
  console.log(`warm KB by kind: ${kinds(warm)}`);
  console.log(`sign-in click → URL /profile ${ms(urlChanged)} ms, sign-in form gone ${ms(formGone)} ms, token list shown ${ms(profileShown)} ms`);
} finally {
  await browser.close();
}

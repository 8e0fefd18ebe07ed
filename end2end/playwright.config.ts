import { defineConfig } from "@playwright/test";

// run.sh starts Tessera on a throwaway database and a free port, then runs this suite.
const baseURL = process.env.BASE_URL;
if (!baseURL) {
  throw new Error("BASE_URL is not set: run the suite with ./run.sh (or `make test`).");
}

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 7_000 },
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  outputDir: "test-results",
  projects: [
    { name: "chromium", testIgnore: /no-javascript\.spec\.ts/ },
    // The flows that must work as plain HTML forms, for people who browse without scripts.
    { name: "no-javascript", testMatch: /no-javascript\.spec\.ts/, use: { javaScriptEnabled: false } },
  ],
  use: {
    baseURL,
    browserName: "chromium",
    // Pages show times in the browser's zone; specs read them in UTC unless they say otherwise.
    timezoneId: "UTC",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
});

import { expect, test } from "./fixtures";
import { LoginPage, users } from "./pages/login.page";
import { OverviewPage } from "./pages/overview.page";
import { ProfilePage } from "./pages/profile.page";
import { ReportPage } from "./pages/report.page";

const unique = (what: string) => `${what} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

test("an admin lands on the overview and follows a count to the tokens behind it", async ({ browser, page }) => {
  const label = unique("overview");
  const owner = await browser.newContext();
  const profile = await ProfilePage.signedInAs(await owner.newPage(), users.alice);
  const { secret, secretDialog } = await profile.createToken({ label, length: "7 days" });
  await secretDialog.getByRole("button", { name: "Done" }).click();
  // Each token row draws its last 30 days of use.
  await expect(profile.row(label).getByRole("img", { name: "Not used in the last 30 days" })).toBeVisible();
  await owner.close();

  const login = new LoginPage(page);
  await login.open();
  await login.signIn(users.admin.username, users.admin.password());
  await expect(page).toHaveURL(/\/admin$/);
  const overview = new OverviewPage(page);
  await expect(overview.heading).toBeVisible();
  await expect(overview.chart).toBeVisible();
  await expect(overview.checksChart).toBeVisible();
  expect(await overview.count("Expiring within 7 days")).toBeGreaterThanOrEqual(1);
  expect(await overview.count("Active tokens")).toBeGreaterThanOrEqual(await overview.count("Expiring within 30 days"));
  const [createdThisWeek] = await overview.latest("weekly");
  expect(createdThisWeek).toBeGreaterThanOrEqual(1);
  await page.screenshot({ path: "screenshots/overview.png", fullPage: true });

  await overview.tile("Expiring within 7 days").click();
  await expect(page).toHaveURL(/\/admin\/users\?preset=expiring$/);
  const report = new ReportPage(page);
  await expect(report.heading).toBeVisible();
  await report.search(secret.slice(-4));
  await expect(report.tokenRow(secret.slice(-4)).locator("td.label")).toHaveText(label);
});

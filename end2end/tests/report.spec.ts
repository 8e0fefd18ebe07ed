import { type Browser } from "@playwright/test";
import { expect, test } from "./fixtures";
import { readFile } from "node:fs/promises";
import { LoginPage, users } from "./pages/login.page";
import { ProfilePage } from "./pages/profile.page";
import { ReportPage } from "./pages/report.page";
import { shownDayIn } from "./pages/time";
import { chooseAction } from "./pages/token-actions";

const unique = (what: string) => `${what} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Signs `user` in inside a fresh browser context, creates a token, returns its hint. */
async function tokenOf(browser: Browser, user: typeof users.alice, label: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const profile = await ProfilePage.signedInAs(page, user);
  const { secret, secretDialog } = await profile.createToken({ label });
  await secretDialog.getByRole("button", { name: "Done" }).click();
  return { context, page, profile, hint: secret.slice(-4) };
}

test("an admin finds a user's new token under Active Tokens and expires it", async ({ browser, page }) => {
  const label = unique("report target");
  const owner = await tokenOf(browser, users.alice, label);

  await ProfilePage.signedInAs(page, users.admin);
  const report = new ReportPage(page);
  await report.openFromNavigation();
  await report.pickExample("Active Tokens");
  await expect(page).toHaveURL(/preset=active-tokens/);
  await report.search(owner.hint);
  await expect(page).toHaveURL(new RegExp(`q=${owner.hint}`));

  const row = report.tokenRow(owner.hint);
  await expect(row.locator("td.label")).toHaveText(label);
  await expect(row.locator("td.expires")).toContainText(shownDayIn(30));
  await expect(report.userGroup("alice")).toBeVisible();
  await page.screenshot({ path: "screenshots/report-active-tokens.png", fullPage: true });

  await chooseAction(row, "Expire Token");
  const confirm = report.dialog("Expire Token");
  await expect(confirm).toContainText(label);
  await confirm.getByRole("button", { name: "Expire", exact: true }).click();
  await expect(confirm).toBeHidden();
  // Still in the Active Tokens report, the token has left it.
  await expect(report.tokenRow(owner.hint)).toHaveCount(0);

  // The same URL is a bookmark: the Expired example shows it, expired by the admin.
  await page.goto(`/admin/users?preset=expired&q=${owner.hint}`);
  await expect(report.tokenRow(owner.hint).locator("td.status")).toContainText("Expired manually");
  await expect(report.tokenRow(owner.hint).locator("td.status")).toContainText(`by ${users.admin.displayName}`);

  await owner.page.reload();
  const ownRow = owner.profile.row(label);
  await expect(ownRow.locator("td.status")).toContainText("Expired manually");
  await expect(ownRow.locator("td.status")).toContainText(`by ${users.admin.displayName}`);
  await owner.context.close();
});

test("people who are not admins are refused the report", async ({ page }) => {
  await ProfilePage.signedInAs(page, users.alice);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "System Users" })).toHaveCount(0);
  const response = await page.goto("/admin/users");
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: /403/ })).toBeVisible();
  await expect(page.locator("table.report")).toHaveCount(0);
  const csv = await page.request.get("/admin/users.csv");
  expect(csv.status()).toBe(403);
});

test("the CSV download holds the report's rows", async ({ browser, page }) => {
  const label = unique("csv row");
  const owner = await tokenOf(browser, users.alice, label);
  await owner.context.close();

  await ProfilePage.signedInAs(page, users.admin);
  await page.goto(`/admin/users?preset=active-tokens&q=${encodeURIComponent(label)}`);
  const report = new ReportPage(page);
  await expect(report.tokenRow(owner.hint)).toBeVisible();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Export CSV" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("system-users-active-tokens.csv");
  const lines = (await readFile((await download.path())!, "utf8")).trim().split("\n");
  expect(lines[0]).toMatch(/^Username,Display name,E-mail,Role,Login Active,Current,Active tokens,Label,Hint,/);
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(`alice,Alice Example,alice@example.com,User,Yes,Yes,`);
  expect(lines[1]).toContain(`,${label},${owner.hint},`);
  expect(lines[1]).toContain(",Active,");
});

test("deactivating a user offers to expire their active tokens", async ({ browser, page }) => {
  const owner = await tokenOf(browser, users.bruno, unique("bruno's"));
  await owner.context.close();

  await ProfilePage.signedInAs(page, users.admin);
  const report = await ReportPage.open(page, "?q=bruno");
  const group = report.userGroup("bruno");
  await group.getByRole("button", { name: "Edit" }).click();
  const dialog = report.dialog(/Edit Bruno Example/);
  await dialog.getByLabel("Login Active").uncheck();
  await expect(dialog).toContainText("does not expire tokens");
  const alsoExpire = dialog.getByLabel(/Also expire their \d+ active tokens?/);
  await expect(alsoExpire).not.toBeChecked();
  await page.screenshot({ path: "screenshots/report-deactivate-user.png" });
  await alsoExpire.check();
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();

  const cells = group.locator("tr.user-row td");
  await expect(cells.nth(4)).toHaveText("No");
  await expect(cells.nth(6)).toHaveText("0");

  // Bruno can no longer sign in.
  const context = await browser.newContext();
  const login = new LoginPage(await context.newPage());
  await login.open();
  await login.signIn(users.bruno.username, users.bruno.password());
  await expect(login.error()).toContainText("not allowed to sign in");
  await context.close();
});

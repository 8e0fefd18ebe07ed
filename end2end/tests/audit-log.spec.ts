import { expect, test } from "./fixtures";
import { users } from "./pages/login.page";
import { ProfilePage } from "./pages/profile.page";
import { ReportPage } from "./pages/report.page";
import { chooseAction } from "./pages/token-actions";

const unique = (what: string) => `${what} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

test("an admin follows a token from the report to its events, and filters the log", async ({ browser, page }) => {
  // Omar makes a token and expires it himself.
  const omarsContext = await browser.newContext();
  const omar = await ProfilePage.signedInAs(await omarsContext.newPage(), users.omar);
  const label = unique("audited bot");
  const { secret, secretDialog } = await omar.createToken({ label });
  await secretDialog.getByRole("button", { name: "Done" }).click();
  await chooseAction(omar.row(label), "Expire Token");
  await omar.dialog("Expire Token").getByRole("button", { name: "Expire", exact: true }).click();
  await expect(omar.row(label).locator("td.status")).toContainText("Expired manually");
  await omarsContext.close();
  const hint = secret.slice(-4);

  await ProfilePage.signedInAs(page, users.admin);
  const report = await ReportPage.open(page, `?q=${encodeURIComponent(label)}`);
  await report.tokenRow(hint).getByRole("link", { name: "Events" }).click();
  await expect(page).toHaveURL(/\/admin\/audit\?token=\d+$/);
  await expect(page.getByRole("heading", { level: 1, name: "Audit Log" })).toBeVisible();
  const rows = page.locator("table.audit tbody tr");
  await expect(rows).toHaveCount(2);
  await expect(page.getByRole("status")).toHaveText("Events 1–2 of 2, newest first");
  await expect(rows.nth(0)).toContainText("Expired");
  await expect(rows.nth(1)).toContainText("Created with profile:read");
  for (const row of [rows.nth(0), rows.nth(1)]) {
    await expect(row).toContainText("Omar Example");
    await expect(row).toContainText(`Token …${hint} “${label}”`);
    await expect(row).toContainText("127.0.0.1");
  }
  await page.screenshot({ path: "screenshots/audit-log-token.png", fullPage: true });

  // Only the expiries, from the filters.
  await page.getByLabel("Action").selectOption("token.expired");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/action=token\.expired/);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Expired");
});

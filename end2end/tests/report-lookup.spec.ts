import { expect, test } from "./fixtures";
import { users } from "./pages/login.page";
import { ProfilePage } from "./pages/profile.page";
import { ReportPage } from "./pages/report.page";

const unique = (what: string) => `${what} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

test("an admin pastes a found secret into the report, sees whose it is, and expires it", async ({ browser, page }) => {
  const brunosContext = await browser.newContext();
  const bruno = await ProfilePage.signedInAs(await brunosContext.newPage(), users.bruno);
  const label = unique("found bot");
  const { secret, secretDialog } = await bruno.createToken({ label });
  await secretDialog.getByRole("button", { name: "Done" }).click();
  await brunosContext.close();

  await ProfilePage.signedInAs(page, users.admin);
  const report = await ReportPage.open(page, "");
  const found = await report.lookUp(`  ${secret} `);
  await expect(found).toContainText("Bruno Example (bruno)");
  await expect(found).toContainText(label);
  await expect(found).toContainText(`…${secret.slice(-4)}`);
  await expect(found.locator(".lookup-status")).toHaveText("Active");
  await expect(found).toContainText("Never");
  await page.locator("details.token-lookup").screenshot({ path: "screenshots/report-token-lookup.png" });

  // Expire Token goes through its confirmation.
  await page.getByRole("link", { name: "Expire Token" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Expire Token" })).toBeVisible();
  await page.getByRole("button", { name: "Expire", exact: true }).click();
  await expect(page.getByRole("status")).toContainText("was expired manually");

  const again = await ReportPage.open(page, "");
  await expect((await again.lookUp(secret)).locator(".lookup-status")).toHaveText("Expired manually");
  await expect(page.getByRole("link", { name: "Expire Token" })).toHaveCount(0);
  await expect(await again.lookUp(secret.slice(0, 47))).toContainText("This is not a Tessera secret");
});

import { type APIRequestContext } from "@playwright/test";
import { expect, test } from "./fixtures";
import { users } from "./pages/login.page";
import { ProfilePage } from "./pages/profile.page";
import { ReportPage } from "./pages/report.page";
import { actionsButton, chooseAction } from "./pages/token-actions";

const unique = (what: string) => `${what} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

async function meStatus(request: APIRequestContext, secret: string) {
  const answer = await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${secret}` } });
  return answer.status();
}

test("deactivate a token until tomorrow, find it in the report, then reactivate it", async ({ browser, page, request }) => {
  const profile = await ProfilePage.signedInAs(page, users.alice);
  const label = unique("paused bot");
  const { secret, secretDialog } = await profile.createToken({ label });
  await secretDialog.getByRole("button", { name: "Done" }).click();
  const row = profile.row(label);

  await chooseAction(row, "Deactivate until…");
  const dialog = profile.dialog("Deactivate Token");
  await expect(dialog).toContainText(label);
  // A time in the past is refused beside the field, and nothing changes.
  const localIn = (hours: number) =>
    page.evaluate((hours) => {
      const at = new Date(Date.now() + hours * 3600_000);
      const pad = (n: number) => String(n).padStart(2, "0");
      return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
    }, hours);
  await dialog.getByLabel("Deactivated until").fill(await localIn(-2));
  await dialog.getByRole("button", { name: "Deactivate" }).click();
  await expect(dialog.getByText("Choose a time in the future.")).toBeVisible();
  await dialog.getByLabel("Deactivated until").fill(await localIn(24));
  await page.screenshot({ path: "screenshots/deactivate-token-dialog.png" });
  await dialog.getByRole("button", { name: "Deactivate" }).click();
  await expect(dialog).toBeHidden();

  await expect(row.locator("td.status .badge")).toHaveText("Deactivated");
  await expect(row.locator("td.status")).toContainText("until");
  await expect(row.locator("td.status")).toContainText(`by ${users.alice.displayName}`);
  await page.screenshot({ path: "screenshots/deactivated-token.png", fullPage: true });
  expect(await meStatus(request, secret)).toBe(401);

  // Admins find it under the Deactivated example report.
  const admin = await browser.newContext();
  const adminPage = await admin.newPage();
  await ProfilePage.signedInAs(adminPage, users.admin);
  const report = await ReportPage.open(adminPage, "?preset=deactivated");
  await expect(report.tokenRow(secret.slice(-4)).locator("td.status")).toContainText("Deactivated");
  await admin.close();

  await actionsButton(row).click();
  await expect(row.getByRole("menuitem", { name: "Reactivate" })).toBeVisible();
  await page.screenshot({ path: "screenshots/token-actions-menu.png" });
  await row.getByRole("menuitem", { name: "Reactivate" }).click();
  const confirm = profile.dialog("Reactivate Token");
  await expect(confirm).toContainText("It works again at once.");
  await confirm.getByRole("button", { name: "Reactivate" }).click();
  await expect(confirm).toBeHidden();
  await expect(row.locator("td.status .badge")).toHaveText("Active");
  expect(await meStatus(request, secret)).toBe(200);
});

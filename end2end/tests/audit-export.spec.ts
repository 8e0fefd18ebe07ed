import { readFile } from "node:fs/promises";
import { expect, test } from "./fixtures";
import { users, waitForHydration } from "./pages/login.page";
import { ProfilePage } from "./pages/profile.page";

test("an admin sets how long events are kept, finds that change and the sign-ins in the log, and exports it", async ({ page }) => {
  await ProfilePage.signedInAs(page, users.admin);
  await page.goto("/admin/security");
  await waitForHydration(page);
  const retention = page.locator("section", { has: page.getByRole("heading", { name: "Audit Log" }) });
  await retention.getByLabel("Keep audit events for (days)").fill("400");
  await retention.getByRole("button", { name: "Save" }).click();
  await expect(retention.getByRole("status")).toHaveText("Saved.");
  await expect(retention.getByTestId("retention-now")).toHaveText("Events are kept for 400 days, then deleted.");
  await retention.getByLabel("Keep audit events for (days)").fill("10");
  await retention.getByRole("button", { name: "Save" }).click();
  await expect(retention.getByRole("alert")).toContainText("from 30 to 3650");

  await page.goto("/admin/audit?action=security.saved");
  await waitForHydration(page);
  const rows = page.locator("table.audit tbody tr");
  await expect(rows.first()).toContainText("Security saved keep audit events for (days): 400");
  await expect(rows.first()).toContainText("Ada Admin");
  await expect(rows.first()).toContainText("Company security");

  await page.getByLabel("Action").selectOption("sign_in.succeeded");
  await page.getByRole("searchbox", { name: "User" }).fill("admin");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/action=sign_in\.succeeded/);
  await expect(rows.first()).toContainText("Signed in");
  await expect(rows.first()).toContainText("Sign-in session");
  await expect(rows.first()).toContainText("of admin");
  await page.screenshot({ path: "screenshots/audit-log-sign-ins.png", fullPage: true });

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Export CSV" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("audit-log.csv");
  const csv = await readFile((await download.path())!, "utf8");
  const lines = csv.trim().split("\n");
  expect(lines[0]).toMatch(/^Time \(UTC\),Action,Actor kind,Actor,/);
  expect(lines.length).toBeGreaterThan(1);
  expect(lines.slice(1).every((line) => line.includes(",sign_in.succeeded,"))).toBe(true);

  await page.goto("/admin/security");
  await waitForHydration(page);
  await retention.getByLabel("Keep audit events for (days)").fill("365");
  await retention.getByRole("button", { name: "Save" }).click();
  await expect(retention.getByTestId("retention-now")).toHaveText("Events are kept for 365 days, then deleted.");
});

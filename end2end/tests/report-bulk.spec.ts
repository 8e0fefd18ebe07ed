import { type APIRequestContext } from "@playwright/test";
import { expect, test } from "./fixtures";
import { users } from "./pages/login.page";
import { ProfilePage } from "./pages/profile.page";
import { ReportPage } from "./pages/report.page";

const unique = (what: string) => `${what}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

async function meStatus(request: APIRequestContext, secret: string) {
  const answer = await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${secret}` } });
  return answer.status();
}

test("an admin expires ticked tokens, then every token a filter matches", async ({ browser, page, request }) => {
  // Alice makes one token in the browser and four more with it through the API.
  const prefix = unique("bulk");
  const owner = await browser.newContext();
  const profile = await ProfilePage.signedInAs(await owner.newPage(), users.alice);
  const { secret: first, secretDialog } = await profile.createToken({
    label: `${prefix} 0`,
    permissions: ["profile:read", "tokens:write"],
  });
  await secretDialog.getByRole("button", { name: "Done" }).click();
  const secrets = [first];
  for (const n of [1, 2, 3, 4]) {
    const answer = await request.post("/api/v1/tokens", {
      headers: { Authorization: `Bearer ${first}` },
      data: { label: `${prefix} ${n}`, permissions: ["profile:read"] },
    });
    expect(answer.status()).toBe(201);
    secrets.push((await answer.json()).secret);
  }
  await owner.close();
  const hint = (secret: string) => secret.slice(-4);

  await ProfilePage.signedInAs(page, users.admin);
  const report = await ReportPage.open(page, `?q=${prefix}`);
  const bar = report.bulkBar;
  await expect(bar).toContainText("Tick tokens to expire several at once.");
  await expect(bar.getByRole("button", { name: "Expire tokens", exact: true })).toBeDisabled();

  // Two ticked by hand.
  await report.tick(hint(secrets[1]));
  await report.tick(hint(secrets[2]));
  await expect(bar).toContainText("2 tokens selected.");
  await bar.getByRole("button", { name: "Expire 2 tokens" }).click();
  const confirmTwo = report.dialog("Expire 2 tokens");
  await expect(confirmTwo).toContainText("Expire 2 tokens at once?");
  await confirmTwo.getByRole("button", { name: "Expire 2 tokens" }).click();
  await expect(confirmTwo).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: "Expired 2 tokens." })).toBeVisible();
  for (const secret of secrets.slice(1, 3)) {
    await expect(report.tokenRow(hint(secret)).locator("td.status")).toContainText("Expired manually");
    expect(await meStatus(request, secret)).toBe(401);
  }
  expect(await meStatus(request, secrets[3])).toBe(200);

  // Then all that are left, on every page of the filter.
  await expect(bar).toContainText("Tick tokens to expire several at once.");
  await bar.getByRole("button", { name: "Select all 3 matching this filter" }).click();
  await expect(bar).toContainText("All 3 active tokens matching this filter are selected.");
  await expect(report.tokenRow(hint(secrets[0])).getByRole("checkbox")).toBeChecked();
  await bar.getByRole("button", { name: "Expire 3 tokens" }).click();
  const confirmAll = report.dialog("Expire 3 tokens");
  await expect(confirmAll).toContainText("Expire 3 tokens at once?");
  await page.screenshot({ path: "screenshots/report-bulk-confirm.png" });
  await confirmAll.getByRole("button", { name: "Expire 3 tokens" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Expired 3 tokens." })).toBeVisible();
  await expect(bar.getByRole("button", { name: /Select all/ })).toHaveCount(0);
  for (const secret of secrets) {
    await expect(report.tokenRow(hint(secret)).locator("td.status")).toContainText("Expired manually");
    expect(await meStatus(request, secret)).toBe(401);
  }
  await page.screenshot({ path: "screenshots/report-bulk-done.png", fullPage: true });
});

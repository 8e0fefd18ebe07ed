import { expect, test } from "./fixtures";
import { users } from "./pages/login.page";
import { ProfilePage } from "./pages/profile.page";

const unique = (what: string) => `${what} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

test("a token someone reports leaked stops working and says so on its owner's profile", async ({ page, request }) => {
  const profile = await ProfilePage.signedInAs(page, users.alice);
  const label = unique("leaky bot");
  const { secret, secretDialog } = await profile.createToken({ label });
  await secretDialog.getByRole("button", { name: "Done" }).click();

  // The profile says how to report one, with this site's address in the curl line.
  const help = profile.block.locator("details.leak-help");
  await help.locator("summary").click();
  await expect(help.locator("pre.command")).toContainText("/api/v1/tokens/revoke");
  await expect(help.locator("pre.command")).toContainText(new URL(page.url()).origin);
  await help.screenshot({ path: "screenshots/leak-help.png" });

  // Whoever finds it needs no account, and learns nothing from the answer.
  const found = "https://github.com/acme/app/blob/main/.env";
  const reported = await request.post("/api/v1/tokens/revoke", { data: { tokens: [secret], url: found } });
  expect(reported.status()).toBe(202);
  const me = await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(401);

  await page.reload();
  await profile.tokensLoaded();
  const row = profile.block.locator("tbody tr", { has: page.locator("td.hint", { hasText: `…${secret.slice(-4)}` }) });
  await expect(row.locator("td.status .badge")).toHaveText("Reported leaked");
  await row.locator("details.history summary").click();
  await expect(row.locator("details.history li").last()).toContainText(`Expired reported leaked, found at ${found}`);
  await row.scrollIntoViewIfNeeded();
  await page.screenshot({ path: "screenshots/token-reported-leaked.png", fullPage: true });
});

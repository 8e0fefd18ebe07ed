import { expect, test } from "./fixtures";
import { users } from "./pages/login.page";
import { ProfilePage } from "./pages/profile.page";
import { chooseAction } from "./pages/token-actions";

const unique = (what: string) => `${what} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

test("each token opens its own history: created, rotated, by whom and from where", async ({ page }) => {
  const profile = await ProfilePage.signedInAs(page, users.alice);
  const label = unique("history bot");
  const { secret: first, secretDialog } = await profile.createToken({ label });
  await secretDialog.getByRole("button", { name: "Done" }).click();
  const rowOf = (secret: string) =>
    profile.block.locator("tbody tr", { has: page.locator("td.hint", { hasText: `…${secret.slice(-4)}` }) });
  const historyOf = (secret: string) => rowOf(secret).locator("details.history");
  // The list is drawn again when a dialog closes, folding every History: open until it stays.
  const openHistory = async (secret: string) => {
    await expect(async () => {
      const history = historyOf(secret);
      if (!(await history.evaluate((details) => (details as HTMLDetailsElement).open))) {
        await history.locator("summary").click();
      }
      await expect(history.getByRole("listitem").first()).toBeVisible({ timeout: 1000 });
    }).toPass();
    return historyOf(secret).getByRole("listitem");
  };

  const created = await openHistory(first);
  await expect(created).toHaveCount(1);
  await expect(created).toContainText("Created with profile:read");
  await expect(created).toContainText("Alice Example");
  await expect(created).toContainText("Chrom");

  await chooseAction(rowOf(first), "Rotate…");
  await profile.dialog("Rotate Token").getByRole("button", { name: "Rotate" }).click();
  const shown = profile.dialog("Your new personal access token");
  const second = (await shown.getByTestId("new-token-secret").textContent())!.trim();
  await shown.getByRole("button", { name: "Done" }).click();

  const old = await openHistory(first);
  await expect(old).toHaveCount(2);
  await expect(old.nth(1)).toContainText(`Rotated replaced by …${second.slice(-4)}`);
  const made = await openHistory(second);
  await expect(made.first()).toContainText(`Rotated made by rotating …${first.slice(-4)}`);
  await rowOf(first).scrollIntoViewIfNeeded();
  await page.screenshot({ path: "screenshots/token-history.png", fullPage: true });
});

import { type APIRequestContext } from "@playwright/test";
import { expect, test } from "./fixtures";
import { users } from "./pages/login.page";
import { ProfilePage } from "./pages/profile.page";
import { chooseAction } from "./pages/token-actions";

const unique = (what: string) => `${what} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

async function meStatus(request: APIRequestContext, secret: string) {
  const answer = await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${secret}` } });
  return answer.status();
}

test("rotate with a grace period, then without: both secrets are tried at each step", async ({ page, request }) => {
  const profile = await ProfilePage.signedInAs(page, users.alice);
  const label = unique("rotating bot");
  const description = "Pushes nightly builds.";
  const { secret: first, secretDialog } = await profile.createToken({ label, description, length: "60 days" });
  await secretDialog.getByRole("button", { name: "Done" }).click();
  const rowOf = (secret: string) => profile.block.locator("tbody tr", { has: page.locator("td.hint", { hasText: `…${secret.slice(-4)}` }) });

  await chooseAction(rowOf(first), "Rotate…");
  const dialog = profile.dialog("Rotate Token");
  await expect(dialog).toContainText(label);
  // The new token starts with the old one's length.
  await expect(dialog.getByLabel("Expiration Length")).toHaveValue("60");
  await dialog.getByLabel("The old token keeps working for").selectOption("1h");
  await page.screenshot({ path: "screenshots/rotate-token-dialog.png" });
  await dialog.getByRole("button", { name: "Rotate" }).click();

  const shown = profile.dialog("Your new personal access token");
  await expect(shown).toBeVisible();
  const second = (await shown.getByTestId("new-token-secret").textContent())!.trim();
  expect(second).not.toBe(first);
  await shown.getByRole("button", { name: "Done" }).click();

  // The grace: both tokens listed and working, the old one saying when it stops.
  await expect(rowOf(first).locator("td.status")).toContainText(`Replaced by …${second.slice(-4)}; stops`);
  await expect(rowOf(second).locator("td.status")).toContainText(`Replaces …${first.slice(-4)}`);
  // The successor keeps the description with the label.
  await expect(rowOf(second).locator("td.label .token-description")).toHaveText(description);
  await expect(rowOf(first).locator("td.status .badge")).toHaveText("Active");
  await page.screenshot({ path: "screenshots/rotate-token-grace.png", fullPage: true });
  expect(await meStatus(request, first)).toBe(200);
  expect(await meStatus(request, second)).toBe(200);

  // Rotating the new token at once: it stops, its successor works, the first is untouched.
  await chooseAction(rowOf(second), "Rotate…");
  await profile.dialog("Rotate Token").getByRole("button", { name: "Rotate" }).click();
  const third = (await profile.dialog("Your new personal access token").getByTestId("new-token-secret").textContent())!.trim();
  await profile.dialog("Your new personal access token").getByRole("button", { name: "Done" }).click();
  await expect(rowOf(second).locator("td.status .badge")).toHaveText("Expired manually");
  expect(await meStatus(request, second)).toBe(401);
  expect(await meStatus(request, third)).toBe(200);
  expect(await meStatus(request, first)).toBe(200);
});

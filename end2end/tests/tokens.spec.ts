import { expect, test } from "./fixtures";
import { users } from "./pages/login.page";
import { ProfilePage } from "./pages/profile.page";
import { shownDayIn } from "./pages/time";
import { actionsButton, chooseAction } from "./pages/token-actions";

const unique = (what: string) => `${what} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

test.use({ permissions: ["clipboard-read", "clipboard-write"] });

test("create with the default length, copy, use, then expire", async ({ page, request }) => {
  const profile = await ProfilePage.signedInAs(page, users.alice);
  const label = unique("deploy bot");

  const dialog = await profile.openCreate();
  await expect(dialog.getByLabel("Expiration Length")).toHaveValue("30");
  await profile.fillCreate(dialog, { label, permissions: ["profile:read"] });
  await page.screenshot({ path: "screenshots/create-token-modal.png" });
  await dialog.getByRole("button", { name: "Create Token" }).click();

  const secretDialog = profile.dialog("Your new personal access token");
  await expect(secretDialog).toBeVisible();
  await expect(secretDialog).toContainText("displayed only this one time");
  const secret = (await secretDialog.getByTestId("new-token-secret").textContent())!.trim();
  expect(secret).toMatch(/^tsr1[A-Za-z0-9]{44}$/);

  await secretDialog.getByRole("button", { name: "Copy" }).click();
  const copied = secretDialog.getByText("Copied");
  await expect(copied).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await page.screenshot({ path: "screenshots/new-token-secret.png" });
  await expect(copied).toBeHidden({ timeout: 5_000 }); // it fades after a moment

  await secretDialog.getByRole("button", { name: "Done" }).click();
  await expect(secretDialog).toBeHidden();
  expect(await page.content()).not.toContain(secret);

  const row = profile.row(label);
  await expect(row.locator("td.hint")).toHaveText(`…${secret.slice(-4)}`);
  await expect(row.locator("td.expires")).toContainText(shownDayIn(30));
  await expect(row.locator("td.status .badge")).toHaveText("Active");
  await page.screenshot({ path: "screenshots/profile-with-token.png", fullPage: true });

  const me = await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(200);
  const body = await me.json();
  expect(body.user.username).toBe(users.alice.username);
  expect(body.token.label).toBe(label);

  await chooseAction(row, "Expire Token");
  const confirm = profile.dialog("Expire Token");
  await expect(confirm).toContainText(label);
  await page.screenshot({ path: "screenshots/expire-confirmation.png" });
  await confirm.getByRole("button", { name: "Expire", exact: true }).click();
  await expect(confirm).toBeHidden();
  await expect(row.locator("td.status")).toContainText("Expired manually");
  await expect(row.locator("td.status")).toContainText(`on ${shownDayIn(0)}`);
  await expect(actionsButton(row)).toHaveCount(0);

  const refused = await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${secret}` } });
  expect(refused.status()).toBe(401);
  expect(refused.headers()["www-authenticate"]).toContain('error="invalid_token"');

  // After a reload the secret is nowhere in what the server sends.
  await page.reload();
  await expect(profile.row(label)).toBeVisible();
  expect(await page.content()).not.toContain(secret);
});

test("cancelling the confirmation leaves the token working", async ({ page, request }) => {
  const profile = await ProfilePage.signedInAs(page, users.alice);
  const label = unique("keep me");
  const { secret, secretDialog } = await profile.createToken({ label, length: "7 days" });
  await secretDialog.getByRole("button", { name: "Done" }).click();

  const row = profile.row(label);
  await expect(row.locator("td.expires")).toContainText(shownDayIn(7));
  // A token that expires within a week is named in the reminder above the list.
  const reminder = profile.block.getByRole("status").filter({ hasText: /within 7 days/ });
  await expect(reminder).toContainText(label);
  await page.screenshot({ path: "screenshots/tokens-expiring-soon.png" });
  await chooseAction(row, "Expire Token");
  const confirm = profile.dialog("Expire Token");
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(confirm).toBeHidden();
  await expect(row.locator("td.status .badge")).toHaveText("Active");

  // The dialog takes focus when it opens, so Escape dismisses it without a click inside.
  await chooseAction(row, "Expire Token");
  await expect(confirm).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(confirm).toBeHidden();
  await expect(row.locator("td.status .badge")).toHaveText("Active");

  const me = await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(200);
});

test("bad input is explained beside the field and nothing is created", async ({ page }) => {
  const profile = await ProfilePage.signedInAs(page, users.admin);
  const label = unique("past");
  const dialog = await profile.openCreate();

  await dialog.getByRole("button", { name: "Create Token" }).click();
  await expect(dialog.getByText("Enter a label.")).toBeVisible();

  await dialog.getByLabel("Label").fill("x".repeat(101));
  await dialog.getByRole("button", { name: "Create Token" }).click();
  await expect(dialog.getByText("The label can be at most 100 characters long (this one has 101).")).toBeVisible();

  await profile.fillCreate(dialog, { label, permissions: ["profile:read"] });
  await dialog.getByLabel("Expiration Length").selectOption({ label: "Custom date and time" });
  await dialog.getByLabel("Expire In").fill("2020-01-01T10:00");
  await dialog.getByRole("button", { name: "Create Token" }).click();
  await expect(dialog.getByText("The expiration date and time must be in the future.")).toBeVisible();
  await page.screenshot({ path: "screenshots/create-token-errors.png" });

  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  // Counting rows would race the other specs' tokens: look for this one's label instead.
  await page.reload();
  await profile.tokensLoaded();
  await expect(profile.row(label)).toHaveCount(0);
});

test("a custom expiry date and time is kept", async ({ page }) => {
  const profile = await ProfilePage.signedInAs(page, users.admin);
  const label = unique("custom");
  const dialog = await profile.openCreate();
  await profile.fillCreate(dialog, {
    label,
    permissions: ["profile:read"],
    length: "Custom date and time",
    expireIn: "2031-06-15T12:30",
  });
  await dialog.getByRole("button", { name: "Create Token" }).click();
  const secretDialog = profile.dialog("Your new personal access token");
  await secretDialog.getByRole("button", { name: "Done" }).click();
  // The browser runs in UTC here, so the local time is the UTC time.
  await expect(profile.row(label).locator("td.expires")).toContainText("15 Jun 2031, 12:30");
});

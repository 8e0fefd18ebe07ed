import { expect, test } from "./fixtures";
import { tabTo } from "./pages/keyboard";
import { users } from "./pages/login.page";
import { ProfilePage } from "./pages/profile.page";
import { RecentAuthentications } from "./pages/recent-authentications.page";
import { actionsButton } from "./pages/token-actions";

test.use({ permissions: ["clipboard-read", "clipboard-write"] });

const unique = (what: string) => `${what} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

test("without a mouse, someone creates, copies and expires a token and deactivates a session", async ({ browser, page }) => {
  const laptop = await browser.newContext();
  await ProfilePage.signedInAs(await laptop.newPage(), users.kim);
  const profile = await ProfilePage.signedInAs(page, users.kim);
  const label = unique("keyboard");

  // Create, with Tab, typing, Space and Enter only.
  const createButton = profile.block.getByRole("button", { name: "Create Token" });
  await tabTo(page, createButton);
  await page.keyboard.press("Enter");
  const dialog = profile.dialog("Create Token");
  await expect(profile.permissionBoxes(dialog).first()).toBeVisible();
  await tabTo(page, dialog.getByLabel("Label"));
  await page.keyboard.type(label);
  await tabTo(page, profile.permissionBox(dialog, "profile:read"));
  await page.keyboard.press("Space");
  await tabTo(page, dialog.getByRole("button", { name: "Create Token" }));
  await page.keyboard.press("Enter");

  // Copy: "Copied" is announced.
  const secretDialog = profile.dialog("Your new personal access token");
  await expect(secretDialog).toBeVisible();
  const secret = (await secretDialog.getByTestId("new-token-secret").textContent())!.trim();
  await tabTo(page, secretDialog.getByRole("button", { name: "Copy" }));
  await page.keyboard.press("Enter");
  await expect(secretDialog.locator("[aria-live]")).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await tabTo(page, secretDialog.getByRole("button", { name: "Done" }));
  await page.keyboard.press("Enter");
  await expect(secretDialog).toBeHidden();
  // Focus goes back to the button that opened the dialogs.
  await expect(createButton).toBeFocused();

  // The Actions menu: Enter opens it on its first item, the arrows and End move, Escape
  // closes it and gives its button the focus back.
  const row = profile.row(label);
  const actions = actionsButton(row);
  await tabTo(page, actions);
  await page.keyboard.press("Enter");
  await expect(row.getByRole("menuitem", { name: "Rotate…" })).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(row.getByRole("menuitem", { name: "Deactivate until…" })).toBeFocused();
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("ArrowUp");
  await expect(row.getByRole("menuitem", { name: "Expire Token" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(row.getByRole("menu")).toBeHidden();
  await expect(actions).toBeFocused();

  // Expire: Escape closes the confirmation and gives the menu's button its focus back.
  const chooseExpire = async () => {
    await page.keyboard.press("Enter");
    await expect(row.getByRole("menuitem", { name: "Rotate…" })).toBeFocused();
    await page.keyboard.press("End");
    await expect(row.getByRole("menuitem", { name: "Expire Token" })).toBeFocused();
    await page.keyboard.press("Enter");
  };
  await chooseExpire();
  const confirm = profile.dialog("Expire Token");
  await expect(confirm).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(confirm).toBeHidden();
  await expect(actions).toBeFocused();
  await chooseExpire();
  await expect(confirm).toBeVisible();
  await tabTo(page, confirm.getByRole("button", { name: "Expire" }));
  await page.keyboard.press("Enter");
  await expect(confirm).toBeHidden();
  await expect(profile.row(label).locator("td.status")).toContainText("Expired");

  // Deactivate the laptop's session.
  const recent = new RecentAuthentications(page);
  await recent.expectLoaded();
  const laptopRow = recent.otherActiveSessions().first();
  const sessionId = await laptopRow.getAttribute("data-session-id");
  await tabTo(page, laptopRow.getByRole("button", { name: "Deactivate" }));
  await page.keyboard.press("Enter");
  await expect(recent.block.locator(`tr[data-session-id="${sessionId}"] td.status`)).toHaveText("Deactivated");
  await laptop.close();
});

import { expect, test } from "./fixtures";
import { LoginPage, users, waitForHydration } from "./pages/login.page";
import { ProfilePage } from "./pages/profile.page";
import { RecentAuthentications } from "./pages/recent-authentications.page";
import { SignInCodePage, TwoFactorBlock } from "./pages/two-factor.page";

test("two-factor is set up with an app, then asked for at sign-in", async ({ page }) => {
  // Signing in again may wait for the app's next code, up to 30 seconds.
  test.setTimeout(90_000);
  // An address of its own, so the wrong code it tries holds up no other test.
  await page.setExtraHTTPHeaders({ "X-Forwarded-For": "198.51.100.83" });
  await ProfilePage.signedInAs(page, users.gina);
  const twoFactor = new TwoFactorBlock(page);
  const app = await twoFactor.begin();
  await page.screenshot({ path: "screenshots/two-factor-set-up.png", fullPage: true });

  await twoFactor.confirm("000000");
  await expect(twoFactor.block.locator(".field-error")).toContainText("That code is not right.");
  await twoFactor.confirm(await app.code());
  await expect(twoFactor.recoveryCodes()).toHaveCount(10);
  await expect(twoFactor.recoveryCodes().first()).toHaveText(/^[2-9a-z]{5}-[2-9a-z]{5}$/);
  await page.screenshot({ path: "screenshots/two-factor-recovery-codes.png", fullPage: true });
  await twoFactor.block.getByRole("button", { name: "I have saved them" }).click();
  await expect(twoFactor.block).toContainText("10 of 10 recovery codes left.");

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  const login = new LoginPage(page);
  await login.open();
  await login.signIn(users.gina.username, users.gina.password());
  await expect(page).toHaveURL(/\/login\/code$/);
  await waitForHydration(page);
  const codePage = new SignInCodePage(page);
  await codePage.enter("123456");
  await expect(page.getByRole("alert")).toContainText("That code is not right.");
  await page.screenshot({ path: "screenshots/two-factor-code-page.png" });
  await codePage.enter(await app.code());
  await expect(page).toHaveURL(/\/profile$/);

  const recent = new RecentAuthentications(page);
  await recent.expectLoaded();
  await expect(recent.thisSession().locator("td.second-factor")).toHaveText("Authenticator app");
  await page.screenshot({ path: "screenshots/two-factor-recent-authentications.png", fullPage: true });
  await expect(recent.rows.nth(1).locator("td.second-factor")).toHaveText("None");
});

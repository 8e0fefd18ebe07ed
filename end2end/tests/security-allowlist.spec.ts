import { type Browser, type Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { withCompanyAllowlist } from "./pages/company-allowlist.lock";
import { LoginPage, users } from "./pages/login.page";
import { ProfilePage } from "./pages/profile.page";
import { SecurityPage } from "./pages/security.page";

/**
 * Signs Alice in from `address` (Tessera trusts Playwright's X-Forwarded-For, see run.sh) and
 * returns the page, left where sign-in took it.
 */
async function aliceSignsInFrom(browser: Browser, address: string) {
  const context = await browser.newContext({ extraHTTPHeaders: { "X-Forwarded-For": address } });
  const login = new LoginPage(await context.newPage());
  await login.open();
  await login.signIn(users.alice.username, users.alice.password());
  return { context, login, page: login.page };
}

async function expectRefused(browser: Browser, address: string) {
  const { context, login, page } = await aliceSignsInFrom(browser, address);
  await expect(login.error()).toHaveText("Sign-in is not allowed from your network.");
  await expect(page).toHaveURL(/\/login$/);
  await context.close();
}

async function expectAdmitted(browser: Browser, address: string) {
  const { context, page } = await aliceSignsInFrom(browser, address);
  await expect(page).toHaveURL(/\/profile$/);
  await expect(new ProfilePage(page).block).toBeVisible();
  await context.close();
}

/** Empties the list as the admin, whatever the UI did: the other specs need it empty. */
async function emptyAllowlist(page: Page) {
  const response = await page.request.post("/rpc/security/allowlist", {
    data: { entries: [], confirm_lockout: true },
  });
  expect(response.status(), await response.text()).toBe(200);
}

test("an admin limits sign-in to company networks, is warned before locking themselves out, and lifts it", async ({
  browser,
  page,
}) => {
  // Several sign-ins, and possibly a wait for a spec using other networks to finish.
  test.slow();
  await ProfilePage.signedInAs(page, users.admin);
  const security = new SecurityPage(page);
  await security.openFromNavigation();
  await expect(security.allowlist).toContainText("Your current address: 127.0.0.1");

  await withCompanyAllowlist(async () => {
    try {
      // Nobody else saves a list, and every spec leaves it empty.
      await expect(security.rows()).toHaveCount(0);
      await expect(security.allowlist.getByText(/^No entries: everyone may sign in/)).toBeVisible();

      await security.addEntry("127.0.0.1", 32);
      await security.addEntry("10.0.0.0", 8);
      await expect(security.savedNote()).toBeHidden();
      await security.saveButton().click();
      await expect(security.savedNote()).toBeVisible();
      await page.screenshot({ path: "screenshots/security-allowlist.png", fullPage: true });

      await security.reload();
      await security.expectEntries([
        ["127.0.0.1", 32],
        ["10.0.0.0", 8],
      ]);

      // The right password is not enough from outside the list; inside it, it is.
      await expectRefused(browser, "203.0.113.9");
      await expectAdmitted(browser, "10.1.2.3");

      // A list without the admin's own address asks first, and Cancel saves nothing.
      await security.removeRow(0);
      await security.expectEntries([["10.0.0.0", 8]]);
      await security.saveButton().click();
      const lockout = security.lockoutDialog();
      await expect(lockout).toBeVisible();
      await expect(lockout).toContainText("does not include your current address 127.0.0.1");
      await expect(lockout.getByRole("button", { name: "Save without 127.0.0.1" })).toBeVisible();
      await page.screenshot({ path: "screenshots/security-lockout-dialog.png" });
      await lockout.getByRole("button", { name: "Cancel" }).click();
      await expect(lockout).toBeHidden();
      await expect(security.savedNote()).toBeHidden();
      await security.reload();
      await security.expectEntries([
        ["127.0.0.1", 32],
        ["10.0.0.0", 8],
      ]);

      // Taking 10.0.0.0/8 out keeps the admin in and shuts that network out.
      await security.removeRow(1);
      await security.saveButton().click();
      await expect(security.savedNote()).toBeVisible();
      await expect(security.lockoutDialog()).toHaveCount(0);
      await expectRefused(browser, "10.1.2.3");

      // An empty list lets everyone in again.
      await security.removeRow(0);
      await expect(security.savedNote()).toBeHidden();
      await security.saveButton().click();
      await expect(security.savedNote()).toBeVisible();
      await expect(security.lockoutDialog()).toHaveCount(0);
      await security.reload();
      await expect(security.rows()).toHaveCount(0);
      await expectAdmitted(browser, "203.0.113.9");
    } finally {
      await emptyAllowlist(page);
    }
  });
});

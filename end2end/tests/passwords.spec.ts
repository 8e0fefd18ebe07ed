import { expect, test } from "./fixtures";
import { LoginPage, users } from "./pages/login.page";
import { ChangePasswordBlock, createResetLink, ResetPasswordPage } from "./pages/passwords.page";
import { ProfilePage } from "./pages/profile.page";
import { RecentAuthentications } from "./pages/recent-authentications.page";
import { ReportPage } from "./pages/report.page";

const fresh = (who: string) => `${who}-${Date.now() % 100000}-orchid-pw`;

test("changing the password signs out the other browser and keeps this one", async ({ browser }) => {
  // Addresses of their own (the server believes the local proxy's X-Forwarded-For): the
  // failures this test makes on purpose then hold up no other test.
  const phone = await browser.newContext({ extraHTTPHeaders: { "X-Forwarded-For": "198.51.100.81" } });
  const laptop = await browser.newContext({ extraHTTPHeaders: { "X-Forwarded-For": "198.51.100.82" } });
  try {
    const phonePage = await phone.newPage();
    await ProfilePage.signedInAs(phonePage, users.erin);
    const laptopPage = await laptop.newPage();
    await ProfilePage.signedInAs(laptopPage, users.erin);
    const block = new ChangePasswordBlock(laptopPage);

    // A wrong current password, then a common new one: both explained, nothing changed.
    await block.change("not my password", fresh("erin"));
    await expect(block.fieldError("Current password")).toHaveText("That is not your current password.");
    await block.change(users.erin.password(), "password123");
    await expect(block.fieldError("New password")).toContainText("This password is too easy to guess.");
    await expect(block.fieldError("New password")).toContainText("common password");
    await laptopPage.screenshot({ path: "screenshots/change-password-refused.png", fullPage: true });

    const next = fresh("erin");
    await block.change(users.erin.password(), next);
    await expect(block.notice()).toHaveText(
      "Your password has been changed, and your one other session was signed out.",
    );
    await expect(block.block.getByLabel("Current password")).toHaveValue("");
    const recent = new RecentAuthentications(laptopPage);
    await expect(recent.rows.nth(1).locator("td.status")).toHaveText("Ended: password changed");
    await expect(recent.thisSession().locator("td.status")).toHaveText("Active");
    await laptopPage.screenshot({ path: "screenshots/change-password-done.png", fullPage: true });

    // The phone's session is over; the new password signs in, the old one does not.
    await phonePage.goto("/profile");
    await expect(phonePage).toHaveURL(/\/login$/);
    const login = new LoginPage(phonePage);
    await login.open();
    await login.signIn(users.erin.username, users.erin.password());
    await expect(login.error()).toHaveText("Invalid username or password.");
    await login.signIn(users.erin.username, next);
    await expect(phonePage).toHaveURL(/\/profile$/);
  } finally {
    await phone.close();
    await laptop.close();
  }
});

test("an admin's reset link sets a new password once", async ({ browser, page }) => {
  await ProfilePage.signedInAs(page, users.admin);
  const report = await ReportPage.open(page, "?q=frank");
  await report.userGroup("frank").getByRole("button", { name: "Edit" }).click();
  const dialog = report.dialog(/Edit Frank Example/);
  const link = await createResetLink(dialog);
  await expect(dialog).toContainText("send this link yourself");
  await page.screenshot({ path: "screenshots/reset-link.png" });

  const context = await browser.newContext();
  try {
    const resetPage = await context.newPage();
    const reset = new ResetPasswordPage(resetPage);
    await reset.open(link);
    await expect(resetPage.getByRole("heading")).toHaveText("Choose a new password, Frank Example");
    await resetPage.screenshot({ path: "screenshots/reset-password.png" });
    await reset.choose(fresh("frank"));
    await expect(resetPage).toHaveURL(/\/profile$/);
    await expect(resetPage.getByRole("heading", { level: 1 })).toHaveText("Frank Example");

    // Used once, the link says so.
    await resetPage.goto(link);
    await expect(reset.error()).toHaveText("This password reset link is broken. Ask your administrator for a new one.");
  } finally {
    await context.close();
  }
});

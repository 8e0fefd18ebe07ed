import { expect, test } from "./fixtures";
import { users } from "./pages/login.page";
import { ProfilePage } from "./pages/profile.page";
import { RecentAuthentications } from "./pages/recent-authentications.page";

test("one browser deactivates another's session, then its own", async ({ browser }) => {
  const phone = await browser.newContext();
  const laptop = await browser.newContext();
  try {
    const phonePage = await phone.newPage();
    await ProfilePage.signedInAs(phonePage, users.dana);
    const laptopPage = await laptop.newPage();
    await ProfilePage.signedInAs(laptopPage, users.dana);

    const recent = new RecentAuthentications(laptopPage);
    await recent.expectLoaded();
    await expect(recent.rows).toHaveCount(2);
    // Newest first: the laptop signed in last.
    await expect(recent.rows.first()).toContainText("This session");
    await expect(recent.thisSession().locator("td.device")).toHaveText("Chromium on Linux");
    await expect(recent.thisSession().locator("td.ip")).toHaveText("127.0.0.1");
    await expect(recent.thisSession().locator("td.status")).toHaveText("Active");
    await laptopPage.screenshot({ path: "screenshots/recent-authentications.png", fullPage: true });

    const phoneRow = recent.otherActiveSessions();
    await expect(phoneRow).toHaveCount(1);
    const phoneSessionId = await phoneRow.getAttribute("data-session-id");
    await phoneRow.getByRole("button", { name: "Deactivate" }).click();
    const deactivatedRow = recent.block.locator(`tr[data-session-id="${phoneSessionId}"]`);
    await expect(deactivatedRow.locator("td.status")).toHaveText("Deactivated");
    await expect(deactivatedRow.getByRole("button", { name: "Deactivate" })).toHaveCount(0);
    await laptopPage.screenshot({ path: "screenshots/recent-authentications-deactivated.png", fullPage: true });

    // The phone's next navigation finds its session gone.
    await phonePage.goto("/profile");
    await expect(phonePage).toHaveURL(/\/login$/);

    // The laptop is still signed in, until it deactivates its own session.
    await laptopPage.reload();
    await recent.expectLoaded();
    await recent.thisSession().getByRole("button", { name: "Deactivate" }).click();
    await expect(laptopPage).toHaveURL(/\/login$/);
    await laptopPage.goto("/profile");
    await expect(laptopPage).toHaveURL(/\/login$/);
  } finally {
    await phone.close();
    await laptop.close();
  }
});

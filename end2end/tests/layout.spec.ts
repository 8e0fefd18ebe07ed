import { expect, test } from "./fixtures";
import { users, waitForHydration } from "./pages/login.page";
import { ProfilePage } from "./pages/profile.page";
import {
  expectNoSidewaysScroll,
  phone,
  resize,
  saveScreenshots,
  sitePages,
  TopBar,
  visit,
} from "./pages/site.page";

// Every page fits a 375-pixel phone without sideways scrolling (a table scrolls inside its own
// box instead), and is photographed at 390 and 1280 pixels, light and dark, for people to look at.

for (const target of sitePages) {
  test(`${target.path} fits a phone, and is photographed light and dark`, async ({ page }) => {
    await page.setViewportSize(phone);
    await visit(page, target);
    await expectNoSidewaysScroll(page, target.path);
    await saveScreenshots(page, target.name);
  });
}

test("the Create Token dialog fits a phone and scrolls inside itself", async ({ page }) => {
  const profile = await ProfilePage.signedInAs(page, users.admin);
  await page.setViewportSize(phone);
  const dialog = await profile.openCreate();
  await expectNoSidewaysScroll(page, "/profile with the Create Token dialog");

  const fit = await dialog.evaluate((modal) => {
    const box = modal.getBoundingClientRect();
    const backdrop = modal.parentElement!.getBoundingClientRect();
    return {
      box: { left: box.left, top: box.top, right: box.right, bottom: box.bottom },
      window: { width: window.innerWidth, height: window.innerHeight },
      backdrop: { left: backdrop.left, top: backdrop.top, width: backdrop.width, height: backdrop.height },
      scrollsSideways: modal.scrollWidth > modal.clientWidth,
      scrollsDown: modal.scrollHeight > modal.clientHeight,
    };
  });
  // Inside the window, with the backdrop over all of it.
  expect(fit.box.left).toBeGreaterThanOrEqual(0);
  expect(fit.box.top).toBeGreaterThanOrEqual(0);
  expect(fit.box.right).toBeLessThanOrEqual(fit.window.width);
  expect(fit.box.bottom).toBeLessThanOrEqual(fit.window.height);
  expect(fit.backdrop).toEqual({ left: 0, top: 0, ...fit.window });
  expect(fit.scrollsSideways, "the dialog's content is wider than the dialog").toBe(false);
  // The form is taller than a phone: the dialog scrolls, and its buttons can be reached.
  expect(fit.scrollsDown).toBe(true);
  const create = dialog.getByRole("button", { name: "Create Token" });
  await create.scrollIntoViewIfNeeded();
  await expect(create).toBeInViewport();

  await dialog.evaluate((modal) => modal.scrollTo(0, 0));
  await saveScreenshots(page, "create-token-dialog", { fullPage: false });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
});

test("on a phone the links are behind Menu, which closes once a link is followed", async ({ page }) => {
  await ProfilePage.signedInAs(page, users.admin);
  await page.setViewportSize(phone);
  await page.reload();
  await waitForHydration(page);
  const bar = new TopBar(page);
  await expect(bar.menuButton).toBeVisible();
  await expect(bar.nav).toBeHidden();
  await expect(bar.signOut()).toBeHidden();

  await bar.openMenu();
  for (const name of ["Profile", "System Users", "Invitations", "Permissions", "Security", "Audit Log"]) {
    await expect(bar.link(name)).toBeVisible();
  }
  await expect(bar.signOut()).toBeVisible();
  await expectNoSidewaysScroll(page, "/profile with the menu open");
  await saveScreenshots(page, "nav-menu", { fullPage: false });

  await resize(page, phone);
  await bar.link("Invitations").click();
  await expect(page).toHaveURL(/\/admin\/invitations$/);
  await expect(page.getByRole("heading", { level: 1, name: "Invitations" })).toBeVisible();
  await expect(bar.menu).not.toHaveAttribute("open");
  await expect(bar.nav).toBeHidden();
});

test("on a wide screen the links are in the bar, with no Menu button", async ({ page }) => {
  await ProfilePage.signedInAs(page, users.admin);
  await resize(page, { width: 1280, height: 800 });
  const bar = new TopBar(page);
  await expect(bar.menuButton).toBeHidden();
  await expect(bar.link("System Users")).toBeVisible();
  await expect(bar.signOut()).toBeVisible();
  // One row: the links sit level with the brand.
  const brand = (await page.locator("header.topbar .brand").boundingBox())!;
  const link = (await bar.link("Security").boundingBox())!;
  expect(Math.abs(brand.y + brand.height / 2 - (link.y + link.height / 2))).toBeLessThan(4);
});

test("the menu opens without JavaScript", async ({ browser, page }) => {
  await ProfilePage.signedInAs(page, users.admin);
  const context = await browser.newContext({
    javaScriptEnabled: false,
    viewport: phone,
    storageState: await page.context().storageState(),
  });
  try {
    const plain = await context.newPage();
    // The report is rendered whole on the server, the top bar's admin links included.
    await plain.goto("/admin/users");
    await expect(plain.getByRole("heading", { level: 1, name: "System Users" })).toBeVisible();
    const bar = new TopBar(plain);
    await expect(bar.nav).toBeHidden();
    await bar.openMenu();
    await expect(bar.link("Security")).toBeVisible();
    await expectNoSidewaysScroll(plain, "/admin/users without JavaScript, menu open");
  } finally {
    await context.close();
  }
});

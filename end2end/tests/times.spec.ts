import { expect, test } from "./fixtures";
import { users } from "./pages/login.page";
import { ProfilePage } from "./pages/profile.page";

const unique = (what: string) => `${what} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

// New York is UTC−4 in June: a token typed to expire at 12:30 there expires at 16:30 UTC.
test.use({ timezoneId: "America/New_York" });

test("times show in the browser's zone, relative, with the UTC time on focus", async ({ page }) => {
  const errors: string[] = [];
  page.on("console", (message) => { if (message.type() === "error") errors.push(message.text()); });
  const profile = await ProfilePage.signedInAs(page, users.hana);
  const label = unique("zone check");

  const dialog = await profile.openCreate();
  await profile.fillCreate(dialog, {
    label,
    permissions: ["profile:read"],
    length: "Custom date and time",
    expireIn: "2031-06-15T12:30",
  });
  await dialog.getByRole("button", { name: "Create Token" }).click();
  await profile.dialog("Your new personal access token").getByRole("button", { name: "Done" }).click();

  const expires = profile.row(label).locator("td.expires time");
  await expect(expires).toContainText("15 Jun 2031, 12:30");
  await expect(expires).toContainText(/\(in \d+ years?\)/);
  await expect(expires).toHaveAttribute("datetime", "2031-06-15T16:30:00+00:00");
  await expect(expires).toHaveAttribute("data-utc", "2031-06-15 16:30 UTC");

  // The exact UTC time appears on keyboard focus.
  await expires.focus();
  const tip = await expires.evaluate((element) => getComputedStyle(element, "::after").content);
  expect(tip).toContain("2031-06-15 16:30 UTC");

  // The browser has told the server its zone: the server's HTML already says 12:30, so the
  // page does not change when it hydrates.
  const html = await (await page.request.get("/profile")).text();
  expect(html).toContain("15 Jun 2031, 12:30");
  expect(html).not.toContain("15 Jun 2031, 16:30");
  await page.reload();
  await expect(profile.row(label).locator("td.expires time")).toContainText("15 Jun 2031, 12:30");
  expect(errors.filter((text) => /hydrat/i.test(text))).toEqual([]);
});

import { expect, test } from "./fixtures";
import { users } from "./pages/login.page";

// playwright.config.ts runs this file in a browser with JavaScript turned off.
test.use({ extraHTTPHeaders: { "X-Forwarded-For": "198.51.100.92" } });

test("without JavaScript, sign-in shows its error, then opens the whole profile, deactivates a session, and sign-out works", async ({ browser, page }) => {
  await page.goto("/login");
  await page.getByLabel("Username").fill(users.ivan.username);
  await page.getByLabel("Password").fill("not his password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Invalid username or password.");

  await page.getByLabel("Username").fill(users.ivan.username);
  await page.getByLabel("Password").fill(users.ivan.password());
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  // The page arrives whole: no part waits for a script to fill it in.
  await expect(page.getByRole("heading", { name: "Ivan Example" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Manage Personal Access Tokens" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Recent Authentications" })).toBeVisible();
  await page.screenshot({ path: "screenshots/no-javascript-profile.png", fullPage: true });

  // A second sign-in, deactivated from the first one's Recent Authentications.
  const phone = await browser.newContext({ javaScriptEnabled: false, extraHTTPHeaders: { "X-Forwarded-For": "198.51.100.93" } });
  const phonePage = await phone.newPage();
  await phonePage.goto("/login");
  await phonePage.getByLabel("Username").fill(users.ivan.username);
  await phonePage.getByLabel("Password").fill(users.ivan.password());
  await phonePage.getByRole("button", { name: "Sign in" }).click();
  await expect(phonePage).toHaveURL(/\/profile$/);
  await page.reload();
  const phoneRow = page.locator("section", { has: page.getByRole("heading", { name: "Recent Authentications" }) })
    .locator("tbody tr", { has: page.locator("td.ip", { hasText: "198.51.100.93" }) });
  await phoneRow.getByRole("button", { name: "Deactivate" }).click();
  // Leptos answers a plain form's post by sending the browser back where it came from.
  await expect(page).toHaveURL(/\/profile\??$/);
  await expect(phoneRow.locator("td.status")).toHaveText("Deactivated");
  await phonePage.goto("/profile");
  await expect(phonePage).toHaveURL(/\/login/);
  await phone.close();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/profile");
  await expect(page).toHaveURL(/\/login/);
});

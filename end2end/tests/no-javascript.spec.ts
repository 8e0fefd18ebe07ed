import { expect, test } from "./fixtures";
import { users } from "./pages/login.page";

// playwright.config.ts runs this file in a browser with JavaScript turned off.
test.use({ extraHTTPHeaders: { "X-Forwarded-For": "198.51.100.92" } });

test("without JavaScript, sign-in shows its error, then opens the whole profile, and sign-out works", async ({ page }) => {
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

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/profile");
  await expect(page).toHaveURL(/\/login/);
});

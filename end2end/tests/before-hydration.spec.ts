import { type Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { users } from "./pages/login.page";

/** Holds back the wasm bundle until `release` is called, so the page stays server HTML. */
async function holdBackTheBundle(page: Page) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  await page.route("**/pkg/*.wasm", async (route) => {
    await released;
    await route.continue();
  });
  return release;
}

test.use({ extraHTTPHeaders: { "X-Forwarded-For": "198.51.100.91" } });

test("a sign-in clicked before the page hydrates works, and its error shows in the page", async ({ page }) => {
  const release = await holdBackTheBundle(page);
  await page.goto("/login", { waitUntil: "commit" });
  await page.getByLabel("Username").fill(users.alice.username);
  await page.getByLabel("Password").fill("not her password");
  await page.getByRole("button", { name: "Sign in" }).click();

  // The browser posted the form itself and came back to the sign-in page with the error.
  await expect(page).toHaveURL(/\/login\?/);
  await expect(page.getByRole("alert")).toHaveText("Invalid username or password.");
  await expect(page.locator("body")).not.toContainText("InvalidCredentials");
  expect(await page.locator("body[data-hydrated]").count()).toBe(0);

  await page.getByLabel("Username").fill(users.alice.username);
  await page.getByLabel("Password").fill(users.alice.password());
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole("heading", { name: "Manage Personal Access Tokens" })).toBeVisible();
  release();
  await expect(page.locator("body[data-hydrated]")).toBeAttached({ timeout: 15_000 });
});

test("Create Token clicked before the profile hydrates opens the Create Token page", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Username").fill(users.alice.username);
  await page.getByLabel("Password").fill(users.alice.password());
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/profile$/);

  const release = await holdBackTheBundle(page);
  await page.goto("/profile", { waitUntil: "commit" });
  await page.getByRole("button", { name: "Create Token" }).click();
  await expect(page).toHaveURL(/\/profile\/tokens\/new/);
  await expect(page.getByRole("heading", { name: "Create Token" })).toBeVisible();
  await expect(page.getByRole("group", { name: "Permissions" }).getByRole("checkbox").first()).toBeVisible();
  expect(await page.locator("body[data-hydrated]").count()).toBe(0);
  release();
});

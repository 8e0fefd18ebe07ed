import { expect, test } from "./fixtures";
import { LoginPage, users } from "./pages/login.page";
import { ProfilePage } from "./pages/profile.page";

test("a wrong password is refused with the generic message", async ({ page }) => {
  const login = new LoginPage(page);
  await login.open();
  await login.signIn(users.alice.username, "definitely-not-it");
  await expect(login.error()).toHaveText("Invalid username or password.");
  await expect(page).toHaveURL(/\/login$/);
  await page.screenshot({ path: "screenshots/sign-in-failed.png" });
});

test("an unknown user gets the same message", async ({ page }) => {
  const login = new LoginPage(page);
  await login.open();
  await login.signIn("nobody-here", "whatever-password");
  await expect(login.error()).toHaveText("Invalid username or password.");
});

test("repeated failures make sign-in wait, and the page says how long", async ({ page }) => {
  // An address of its own (the server believes the local proxy's X-Forwarded-For), so the
  // wait it earns holds up no other test.
  await page.setExtraHTTPHeaders({ "X-Forwarded-For": "198.51.100.77" });
  const login = new LoginPage(page);
  await login.open();
  const attempt = async (password: string) => {
    const answered = page.waitForResponse((response) => response.url().endsWith("/rpc/login"));
    await login.signIn("guessed-name", password);
    return (await answered).status();
  };
  for (let guess = 1; guess <= 5; guess++) {
    expect(await attempt(`guess number ${guess}`)).toBe(401);
  }
  expect(await attempt("one guess too many")).toBe(429);
  await expect(login.error()).toHaveText(
    /^Too many failed attempts\. Please try again in \d+ seconds\.$/,
  );
  await page.screenshot({ path: "screenshots/sign-in-throttled.png" });
});

test("signing in lands on the profile, signing out ends the session", async ({ page }) => {
  const profile = await ProfilePage.signedInAs(page, users.alice);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(users.alice.displayName);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);

  // The old session is gone on the server, not just in this tab.
  await page.goto("/profile");
  await expect(page).toHaveURL(/\/login$/);
  void profile;
});

test("loading the pages asks the server for nothing that is missing", async ({ page }) => {
  // Browsers ask for /favicon.ico unless the page names an icon; every miss is a 404 in logs.
  const misses: string[] = [];
  page.on("response", (response) => {
    if (response.status() === 404) misses.push(response.url());
  });
  await ProfilePage.signedInAs(page, users.alice);
  await page.reload();
  await expect(page.getByRole("heading", { name: "Manage Personal Access Tokens" })).toBeVisible();
  expect(misses).toEqual([]);
});

test("pages need a session", async ({ page }) => {
  await page.goto("/profile");
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
});

import { expect, test } from "@playwright/test";
import { watchForViolations } from "./fixtures";
import { LoginPage, users, waitForHydration } from "./pages/login.page";

// This spec checks the detector itself, so it uses Playwright's own `test`, without the
// suite's no-violation check.
test("the policy is enforced, and a refused script is reported", async ({ page, context }) => {
  const violations: string[] = [];
  await watchForViolations(context, violations);

  const response = await page.goto("/login");
  const policy = response!.headers()["content-security-policy"];
  expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9_-]{16,}' 'wasm-unsafe-eval'/);
  await waitForHydration(page);

  // A script an attacker got into the page, without the nonce, does not run.
  const ran = await page.evaluate(async () => {
    const script = document.createElement("script");
    script.textContent = "window.injected = true";
    document.body.append(script);
    await new Promise((resolve) => setTimeout(resolve, 100));
    return (window as unknown as { injected?: boolean }).injected === true;
  });
  expect(ran).toBe(false);
  await expect.poll(() => violations.length).toBeGreaterThan(0);
  expect(violations.join("\n")).toContain("script-src");

  // The page still works: signing in hydrates the profile under its own nonce.
  const login = new LoginPage(page);
  await login.signIn(users.alice.username, users.alice.password());
  await expect(page).toHaveURL(/\/profile$/);
  await waitForHydration(page);
});

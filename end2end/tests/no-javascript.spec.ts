import { expect, test } from "./fixtures";
import { users } from "./pages/login.page";
import { ProfilePage } from "./pages/profile.page";
import { AcceptInvitationPage } from "./pages/accept-invitation.page";
import { withCompanyAllowlist } from "./pages/company-allowlist.lock";
import { SecurityPage } from "./pages/security.page";
import { chooseAction } from "./pages/token-actions";

// playwright.config.ts runs this file in a browser with JavaScript turned off.
test.use({ extraHTTPHeaders: { "X-Forwarded-For": "198.51.100.92" } });

test("without JavaScript, sign-in shows its error, then opens the whole profile, deactivates a session, and sign-out works", async ({ browser, page }) => {
  // Signs in from another network: no spec's company allowlist may be in force meanwhile.
  await withCompanyAllowlist(async () => {
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
});

test("without JavaScript, a token is created on a page of its own and expired after a confirming page", async ({ page }) => {
  // Signs in from another network: no spec's company allowlist may be in force meanwhile.
  await withCompanyAllowlist(async () => {
    await page.goto("/login");
    await page.getByLabel("Username").fill(users.ivan.username);
    await page.getByLabel("Password").fill(users.ivan.password());
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/profile$/);
    const profile = new ProfilePage(page);

    await profile.block.getByRole("button", { name: "Create Token" }).click();
    await expect(page).toHaveURL(/\/profile\/tokens\/new/);
    const form = page.locator("main form");
    const label = `no script ${Date.now().toString(36)}`;
    await profile.fillCreate(form, { label, permissions: ["profile:read"], length: "7 days", ipWhitelist: "not-an-address" });
    await form.getByRole("button", { name: "Create Token" }).click();
    // The page that answers shows what is wrong, and keeps everything that was typed.
    await expect(form.getByRole("alert")).toContainText("“not-an-address” is not an IP address");
    await expect(form.getByLabel("Label")).toHaveValue(label);
    await expect(profile.permissionBox(form, "profile:read")).toBeChecked();
    await expect(form.getByLabel("Expiration Length")).toHaveValue("7");
    await expect(form.getByLabel("Whitelist IPs")).toHaveValue("not-an-address");
    await page.screenshot({ path: "screenshots/no-javascript-create-token-error.png", fullPage: true });

    await form.getByLabel("Whitelist IPs").fill("");
    await form.getByRole("button", { name: "Create Token" }).click();
    await expect(page.getByRole("heading", { name: "Your new personal access token" })).toBeVisible();
    const secret = (await page.getByTestId("new-token-secret").textContent())!.trim();
    expect(secret).toHaveLength(48);
    await page.screenshot({ path: "screenshots/no-javascript-new-token.png", fullPage: true });
    const me = await page.request.get("/api/v1/me", { headers: { Authorization: `Bearer ${secret}` } });
    expect(me.status()).toBe(200);

    await page.getByRole("link", { name: "Done" }).click();
    const row = profile.row(label);
    await expect(row).toBeVisible();
    await chooseAction(row, "Expire Token");
    await expect(page).toHaveURL(/\/tokens\/\d+\/expire/);
    await expect(page.getByText("Anything that uses it stops working at once.")).toBeVisible();
    await page.screenshot({ path: "screenshots/no-javascript-expire-token.png", fullPage: true });
    await page.getByRole("button", { name: "Expire", exact: true }).click();
    await expect(page.getByRole("status")).toContainText("expired manually");
    await page.getByRole("link", { name: "Back to your tokens" }).click();
    await expect(row.locator("td.status")).toContainText("Expired manually");
    expect((await page.request.get("/api/v1/me", { headers: { Authorization: `Bearer ${secret}` } })).status()).toBe(401);
  });
});

test("without JavaScript, an invitation is accepted, after a refusal that shows in the page", async ({ browser, page }) => {
  // Signs in from another network: no spec's company allowlist may be in force meanwhile.
  await withCompanyAllowlist(async () => {
    await page.goto("/login");
    await page.getByLabel("Username").fill(users.admin.username);
    await page.getByLabel("Password").fill(users.admin.password());
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/admin$/);
    const id = Date.now().toString(36);
    const issued = await page.request.post("/rpc/invitations/create", {
      form: { email: `nora-${id}@example.com`, display_name: "Nora No-Script", role: "user" },
      headers: { Accept: "application/json" },
    });
    expect(issued.status()).toBe(200);
    const { link } = await issued.json();

    const invitee = await browser.newContext({ javaScriptEnabled: false, extraHTTPHeaders: { "X-Forwarded-For": "198.51.100.94" } });
    const inviteePage = await invitee.newPage();
    const accept = new AcceptInvitationPage(inviteePage);
    await inviteePage.goto(link);
    await expect(accept.welcome("Nora No-Script")).toBeVisible();
    await accept.fill(users.alice.username, "nora-password-1");
    await accept.submit();
    await expect(inviteePage.getByRole("alert")).toContainText(`The username ${users.alice.username} is taken`);

    await accept.fill(`nora-${id}`, "nora-password-1");
    await accept.submit();
    await expect(inviteePage).toHaveURL(/\/profile$/);
    await expect(inviteePage.getByRole("heading", { name: "Nora No-Script" })).toBeVisible();
    await invitee.close();
  });
});

test("without JavaScript, the company IP allowlist is edited as a plain form", async ({ page }) => {
  test.slow();
  await page.goto("/login");
  await page.getByLabel("Username").fill(users.admin.username);
  await page.getByLabel("Password").fill(users.admin.password());
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await page.goto("/admin/security");
  const security = new SecurityPage(page);
  const newAddress = security.allowlist.getByLabel("New IP address");

  await withCompanyAllowlist(async () => {
    try {
      await expect(security.rows()).toHaveCount(0);
      // 127.0.0.1 keeps the other specs' sign-ins in; this browser comes from elsewhere.
      await newAddress.fill("127.0.0.1");
      await security.allowlist.getByLabel("Its checking bits").selectOption("32");
      await security.saveButton().click();
      await expect(security.allowlist.getByRole("alert")).toContainText("does not include your current address 198.51.100.92");
      await expect(security.rows()).toHaveCount(0);

      await newAddress.fill("127.0.0.1");
      await security.allowlist.getByLabel("Its checking bits").selectOption("32");
      await security.allowlist.getByLabel("Save even if the list leaves out my current address").check();
      await security.saveButton().click();
      await security.expectEntries([["127.0.0.1", 32]]);
      await page.screenshot({ path: "screenshots/no-javascript-allowlist.png", fullPage: true });

      // Clearing an address removes it.
      await security.rows().first().getByLabel("IP address").fill("");
      await security.saveButton().click();
      await expect(security.rows()).toHaveCount(0);
      await expect(security.allowlist.getByText(/^No entries: everyone may sign in/)).toBeVisible();
    } finally {
      const emptied = await page.request.post("/rpc/security/allowlist", { data: { entries: [], confirm_lockout: true } });
      expect(emptied.status(), await emptied.text()).toBe(200);
    }
  });
});

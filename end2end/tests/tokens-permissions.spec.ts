import { expect, test } from "./fixtures";
import { withCompanyAllowlist } from "./pages/company-allowlist.lock";
import { users } from "./pages/login.page";
import { ProfilePage } from "./pages/profile.page";
import { shownTime } from "./pages/time";

const unique = (what: string) => `${what} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

// The expectations below read times as UTC, so the browser says it is in UTC; the window is
// tall enough for the whole Create Token form to show in its screenshot.
test.use({ timezoneId: "UTC", viewport: { width: 1280, height: 1100 } });

/** `days` from now at 09:30 UTC: as typed into Expire In, and as the token table shows it. */
function expiryIn(days: number) {
  const date = new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
  return { typed: `${date}T09:30`, shown: shownTime(new Date(`${date}T09:30:00Z`)) };
}

/** Bearer requests as if sent from `address`: run.sh makes Tessera trust Playwright's X-Forwarded-For. */
const from = (address: string, secret: string) => ({
  Authorization: `Bearer ${secret}`,
  "X-Forwarded-For": address,
});

test("a token holds only its permissions and works only from its whitelisted IPs", async ({ page, request }) => {
  // Waiting for the allowlist spec to finish with the company list can take a while.
  test.slow();
  const profile = await ProfilePage.signedInAs(page, users.alice);
  const label = unique("inventory script");
  const expiry = expiryIn(12);

  const dialog = await profile.openCreate();
  // reports:read is for admins only, so Alice is not offered it.
  await expect(profile.permissionBox(dialog, "profile:read")).toBeVisible();
  await expect(profile.permissionBox(dialog, "tokens:write")).toBeVisible();
  await expect(profile.permissionBox(dialog, "reports:read")).toHaveCount(0);
  await profile.fillCreate(dialog, {
    label,
    permissions: ["profile:read", "tokens:read"],
    length: "Custom date and time",
    expireIn: expiry.typed,
    ipWhitelist: "198.51.100.0/24",
    domainWhitelist: "app.example.com",
  });
  await expect(profile.permissionBox(dialog, "tokens:write")).not.toBeChecked();
  await page.screenshot({ path: "screenshots/create-token-permissions.png" });
  await dialog.getByRole("button", { name: "Create Token" }).click();

  const secretDialog = profile.dialog("Your new personal access token");
  await expect(secretDialog).toBeVisible();
  await expect(secretDialog.locator("dd", { hasText: "profile:read" })).toHaveText("profile:read, tokens:read");
  const secret = (await secretDialog.getByTestId("new-token-secret").textContent())!.trim();
  await secretDialog.getByRole("button", { name: "Done" }).click();
  await expect(secretDialog).toBeHidden();

  const row = profile.row(label);
  await expect(profile.chips(row)).toHaveText(["profile:read", "tokens:read"]);
  await expect(profile.restrictions(row)).toHaveText(["IPs: 198.51.100.0/24", "Domains: app.example.com"]);
  await expect(row.locator("td.expires")).toContainText(expiry.shown);
  await expect(row.locator("td.status .badge")).toHaveText("Active");
  await page.screenshot({ path: "screenshots/token-table-permissions.png", fullPage: true });

  await withCompanyAllowlist(async () => {
    // From inside its whitelist, with a permission it holds.
    const me = await request.get("/api/v1/me", { headers: from("198.51.100.20", secret) });
    expect(me.status()).toBe(200);
    const body = await me.json();
    expect(body.user.username).toBe(users.alice.username);
    expect(body.token.label).toBe(label);

    const list = await request.get("/api/v1/tokens", { headers: from("198.51.100.20", secret) });
    expect(list.status()).toBe(200);
    const listed = (await list.json()).find((t: { label: string }) => t.label === label);
    expect(listed.permissions).toEqual(["profile:read", "tokens:read"]);
    expect(listed.ip_whitelist).toEqual(["198.51.100.0/24"]);

    // The same token from another network is refused as if it did not exist.
    const outside = await request.get("/api/v1/me", { headers: from("203.0.113.9", secret) });
    expect(outside.status()).toBe(401);
    expect(outside.headers()["www-authenticate"]).toContain('error="invalid_token"');

    // Creating tokens needs tokens:write, which this token lacks.
    const create = await request.post("/api/v1/tokens", {
      headers: from("198.51.100.20", secret),
      data: { label: unique("made by a script"), permissions: ["profile:read"] },
    });
    expect(create.status()).toBe(403);
    const challenge = create.headers()["www-authenticate"];
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="tokens:write"');
    expect((await create.json()).error).toBe("insufficient_scope");
  });

  // The refused attempts made nothing: Alice's list has no token the script asked for.
  await page.reload();
  await profile.tokensLoaded();
  await expect(profile.row(label)).toBeVisible();
  await expect(profile.row("made by a script")).toHaveCount(0);
});

test("a token without a permission or with a bad whitelist entry is explained and not created", async ({ page }) => {
  const profile = await ProfilePage.signedInAs(page, users.alice);
  const label = unique("half filled");
  const dialog = await profile.openCreate();
  await profile.fillCreate(dialog, { label });
  await expect(profile.permissionBoxes(dialog).first()).not.toBeChecked();

  const submit = dialog.getByRole("button", { name: "Create Token" });
  await submit.click();
  await expect(dialog.getByText("Choose at least one permission.")).toBeVisible();

  await profile.fillCreate(dialog, { label, permissions: ["profile:read"], ipWhitelist: "198.51.100.7, nope" });
  await submit.click();
  await expect(dialog.getByText("“nope” is not an IP address or a CIDR range such as 192.0.2.0/24.")).toBeVisible();
  await expect(dialog.getByLabel("Whitelist IPs")).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.getByLabel("Whitelist Domains")).toHaveAttribute("aria-invalid", "false");
  await expect(dialog.getByText("Choose at least one permission.")).toHaveCount(0);

  await profile.fillCreate(dialog, { label, ipWhitelist: "198.51.100.7", domainWhitelist: "app.example.com, bad_domain" });
  await submit.click();
  await expect(dialog.getByText("“bad_domain” is not a domain name such as app.example.com or *.example.com.")).toBeVisible();
  await expect(dialog.getByText(/is not an IP address/)).toHaveCount(0);
  await page.screenshot({ path: "screenshots/create-token-whitelist-error.png" });

  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await page.reload();
  await profile.tokensLoaded();
  await expect(profile.row(label)).toHaveCount(0);
});

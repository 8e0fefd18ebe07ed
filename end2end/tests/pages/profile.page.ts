import { expect, type Locator, type Page } from "@playwright/test";
import { LoginPage, waitForHydration } from "./login.page";

/** What the Create Token form is filled with; left out means the form's default. */
export interface TokenForm {
  label: string;
  description?: string;
  /** Permission names, such as profile:read. */
  permissions?: string[];
  /** An Expiration Length choice as the select shows it, such as "7 days". */
  length?: string;
  /** With length "Custom date and time": the Expire In value, `YYYY-MM-DDTHH:MM` local time. */
  expireIn?: string;
  ipWhitelist?: string;
  domainWhitelist?: string;
}

export class ProfilePage {
  readonly block: Locator;

  constructor(readonly page: Page) {
    this.block = page.locator("section", { has: page.getByRole("heading", { name: "Manage Personal Access Tokens" }) });
  }

  static async signedInAs(page: Page, user: { username: string; password: () => string }) {
    const login = new LoginPage(page);
    await login.open();
    await login.signIn(user.username, user.password());
    // Admins land on their overview; everyone else on their profile.
    await expect(page).toHaveURL(/\/(profile|admin)$/);
    if (page.url().endsWith("/admin")) await page.goto("/profile");
    const profile = new ProfilePage(page);
    await waitForHydration(page);
    await expect(profile.block).toBeVisible();
    return profile;
  }

  dialog(name: string) {
    return this.page.getByRole("dialog", { name });
  }

  async openCreate() {
    await this.block.getByRole("button", { name: "Create Token" }).click();
    const dialog = this.dialog("Create Token");
    await expect(dialog).toBeVisible();
    // The choices load with the form; the first checkbox is the sign it is there.
    await expect(this.permissionBoxes(dialog).first()).toBeVisible();
    return dialog;
  }

  /** The Permissions checkboxes of the Create Token dialog. */
  permissionBoxes(dialog: Locator) {
    return dialog.getByRole("group", { name: "Permissions" }).getByRole("checkbox");
  }

  /** The checkbox granting `name`: its value is the permission's name. */
  permissionBox(dialog: Locator, name: string) {
    return dialog.getByRole("group", { name: "Permissions" }).locator(`input[type="checkbox"][value="${name}"]`);
  }

  /** Fills the open Create Token dialog without submitting it. */
  async fillCreate(dialog: Locator, form: TokenForm) {
    await dialog.getByLabel("Label").fill(form.label);
    if (form.description !== undefined) await dialog.getByLabel("Description").fill(form.description);
    for (const name of form.permissions ?? []) await this.permissionBox(dialog, name).check();
    if (form.length) await dialog.getByLabel("Expiration Length").selectOption({ label: form.length });
    if (form.expireIn !== undefined) await dialog.getByLabel("Expire In").fill(form.expireIn);
    if (form.ipWhitelist !== undefined) await dialog.getByLabel("Whitelist IPs").fill(form.ipWhitelist);
    if (form.domainWhitelist !== undefined) await dialog.getByLabel("Whitelist Domains").fill(form.domainWhitelist);
  }

  /**
   * Creates a token and returns its secret, leaving the one-time dialog open. Every token
   * needs a permission: without one given, it gets profile:read, enough for /api/v1/me.
   */
  async createToken(form: TokenForm) {
    const dialog = await this.openCreate();
    await this.fillCreate(dialog, { permissions: ["profile:read"], ...form });
    await dialog.getByRole("button", { name: "Create Token" }).click();
    const secretDialog = this.dialog("Your new personal access token");
    await expect(secretDialog).toBeVisible();
    const secret = (await secretDialog.getByTestId("new-token-secret").textContent())!.trim();
    return { secret, secretDialog };
  }

  row(label: string) {
    return this.block.locator("tbody tr", { has: this.page.locator("td.label", { hasText: label }) });
  }

  /** Waits for the token list (or the note that there is none) to arrive. */
  async tokensLoaded() {
    await expect(this.block.locator("table.tokens, p.empty")).toBeVisible();
  }

  tokenRows() {
    return this.block.locator("tbody tr");
  }

  /** The permission chips of a token row. */
  chips(row: Locator) {
    return row.locator("td.permissions code.chip");
  }

  /** The "IPs: …" and "Domains: …" lines of a token row. */
  restrictions(row: Locator) {
    return row.locator("td.permissions .restriction");
  }
}

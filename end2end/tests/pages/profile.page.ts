import { expect, type Locator, type Page } from "@playwright/test";
import { LoginPage, waitForHydration } from "./login.page";

export class ProfilePage {
  readonly block: Locator;

  constructor(readonly page: Page) {
    this.block = page.locator("section", { has: page.getByRole("heading", { name: "Manage Personal Access Tokens" }) });
  }

  static async signedInAs(page: Page, user: { username: string; password: () => string }) {
    const login = new LoginPage(page);
    await login.open();
    await login.signIn(user.username, user.password());
    await expect(page).toHaveURL(/\/profile$/);
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
    return dialog;
  }

  /** Creates a token and returns its secret, leaving the one-time dialog open. */
  async createToken(label: string, length?: string) {
    const dialog = await this.openCreate();
    await dialog.getByLabel("Label").fill(label);
    if (length) await dialog.getByLabel("Expiration Length").selectOption({ label: length });
    await dialog.getByRole("button", { name: "Create Token" }).click();
    const secretDialog = this.dialog("Your new personal access token");
    await expect(secretDialog).toBeVisible();
    const secret = (await secretDialog.getByTestId("new-token-secret").textContent())!.trim();
    return { secret, secretDialog };
  }

  row(label: string) {
    return this.block.locator("tbody tr", { has: this.page.locator("td.label", { hasText: label }) });
  }

  tokenRows() {
    return this.block.locator("tbody tr");
  }
}

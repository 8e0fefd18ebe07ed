import { expect, type Locator, type Page } from "@playwright/test";
import { waitForHydration } from "./login.page";

/** The profile's Change Password block. */
export class ChangePasswordBlock {
  readonly block: Locator;

  constructor(readonly page: Page) {
    this.block = page.locator("section", { has: page.getByRole("heading", { name: "Change Password" }) });
  }

  async change(current: string, next: string, confirmation = next) {
    await this.block.getByLabel("Current password").fill(current);
    await this.block.getByLabel("New password", { exact: true }).fill(next);
    await this.block.getByLabel("Confirm new password").fill(confirmation);
    await this.block.getByRole("button", { name: "Change password" }).click();
  }

  fieldError(label: string) {
    return this.block.locator(".field", { has: this.page.getByLabel(label, { exact: true }) }).locator(".field-error");
  }

  notice() {
    return this.block.getByRole("status");
  }
}

/** `/reset/<secret>`: choosing a new password through an admin's link. */
export class ResetPasswordPage {
  constructor(readonly page: Page) {}

  async open(link: string) {
    await this.page.goto(link);
    await waitForHydration(this.page);
  }

  async choose(password: string) {
    await this.page.getByLabel("New password", { exact: true }).fill(password);
    await this.page.getByLabel("Confirm new password").fill(password);
    await this.page.getByRole("button", { name: "Set password and sign in" }).click();
  }

  error() {
    return this.page.getByTestId("reset-error");
  }
}

/** Makes a reset link from the report's Edit User dialog, which must be open. */
export async function createResetLink(dialog: Locator) {
  await dialog.getByRole("button", { name: "Create password reset link" }).click();
  const link = dialog.getByTestId("reset-link");
  await expect(link).toHaveText(/\/reset\/[A-Za-z0-9]{43}$/);
  return (await link.textContent())!.trim();
}

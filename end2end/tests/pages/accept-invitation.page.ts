import { expect, type Page } from "@playwright/test";
import { waitForHydration } from "./login.page";

export const BROKEN_LINK = "This invitation link is broken. Please contact your system administrator";

/** `/invite/<secret>`, as the invitee sees it. */
export class AcceptInvitationPage {
  constructor(readonly page: Page) {}

  async open(link: string) {
    await this.page.goto(link);
    await waitForHydration(this.page);
  }

  welcome(displayName: string) {
    return this.page.getByRole("heading", { level: 1, name: `Welcome to Tessera, ${displayName}` });
  }

  error() {
    return this.page.getByTestId("invitation-error");
  }

  async fill(username: string, password: string, confirmation = password) {
    await this.page.getByLabel("Username").fill(username);
    await this.page.getByLabel("Password", { exact: true }).fill(password);
    await this.page.getByLabel("Confirm password").fill(confirmation);
  }

  async submit() {
    await this.page.getByRole("button", { name: "Create account and sign in" }).click();
  }

  async expectBroken() {
    await expect(this.error()).toHaveText(BROKEN_LINK);
    await expect(this.page.getByLabel("Username")).toHaveCount(0);
  }
}

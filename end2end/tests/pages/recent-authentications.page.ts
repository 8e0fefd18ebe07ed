import { expect, type Locator, type Page } from "@playwright/test";

/** The Recent Authentications block of the profile page. */
export class RecentAuthentications {
  readonly block: Locator;
  readonly rows: Locator;

  constructor(readonly page: Page) {
    this.block = page.locator("section", { has: page.getByRole("heading", { name: "Recent Authentications" }) });
    this.rows = this.block.locator("tbody tr");
  }

  thisSession() {
    return this.rows.filter({ hasText: "This session" });
  }

  /** Active rows other than the one this page is signed in with. */
  otherActiveSessions() {
    return this.rows.filter({ hasNotText: "This session" }).filter({ has: this.page.getByRole("button", { name: "Deactivate" }) });
  }

  async expectLoaded() {
    await expect(this.block).toBeVisible();
    await expect(this.thisSession()).toHaveCount(1);
  }
}

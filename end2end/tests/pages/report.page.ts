import { expect, type Locator, type Page } from "@playwright/test";
import { waitForHydration } from "./login.page";

export class ReportPage {
  readonly heading: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "System Users", level: 1 });
  }

  /** Opens the report at `query` directly; a click before hydration would fall on a button with no handler yet. */
  static async open(page: Page, query: string) {
    await page.goto(`/admin/users${query}`);
    const report = new ReportPage(page);
    await expect(report.heading).toBeVisible();
    await waitForHydration(page);
    return report;
  }

  async openFromNavigation() {
    await this.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "System Users" }).click();
    await expect(this.heading).toBeVisible();
    await waitForHydration(this.page);
  }

  async pickExample(name: string) {
    await this.page.getByRole("navigation", { name: "Example reports" }).getByRole("link", { name, exact: true }).click();
  }

  async search(text: string) {
    await this.page.getByLabel("Search").fill(text);
    await this.page.getByRole("button", { name: "Apply" }).click();
  }

  userGroup(username: string) {
    return this.page.locator(`tbody.user-group[data-username="${username}"]`);
  }

  tokenRow(hint: string) {
    return this.page.locator("table.subtable tbody tr", { has: this.page.locator("td.hint", { hasText: `…${hint}` }) });
  }

  /** What is ticked for bulk expiry, and its buttons. */
  get bulkBar() {
    return this.page.getByRole("group", { name: "Bulk actions" });
  }

  /** Ticks the token with this hint for bulk expiry. */
  async tick(hint: string) {
    await this.tokenRow(hint).getByRole("checkbox").check();
  }

  /** Pastes `secret` into "Look up a token by its secret"; the answer's locator. */
  async lookUp(secret: string) {
    const lookup = this.page.locator("details.token-lookup");
    if (!(await lookup.evaluate((details) => (details as HTMLDetailsElement).open))) {
      await lookup.locator("summary").click();
    }
    await lookup.getByLabel("Secret").fill(secret);
    await lookup.getByRole("button", { name: "Look up" }).click();
    return lookup.locator(".lookup-answer");
  }

  dialog(name: string | RegExp) {
    return this.page.getByRole("dialog", { name });
  }
}

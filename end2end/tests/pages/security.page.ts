import { expect, type Locator, type Page } from "@playwright/test";
import { waitForHydration } from "./login.page";

/** Admin → Security: the company IP allowlist ("Whitelist IPs"), the maximum token lifetime and the unused-token policy. */
export class SecurityPage {
  readonly heading: Locator;
  readonly allowlist: Locator;
  readonly unusedTokens: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "Security", level: 1 });
    this.allowlist = page.locator("section", { has: page.getByRole("heading", { name: "Whitelist IPs" }) });
    this.unusedTokens = page.locator("section", { has: page.getByRole("heading", { name: "Unused tokens" }) });
  }

  async openFromNavigation() {
    await this.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Security" }).click();
    await expect(this.page).toHaveURL(/\/admin\/security$/);
    await expect(this.heading).toBeVisible();
    await waitForHydration(this.page);
    await expect(this.allowlist).toBeVisible();
  }

  async reload() {
    await this.page.reload();
    await waitForHydration(this.page);
    await expect(this.allowlist).toBeVisible();
  }

  rows() {
    return this.allowlist.getByRole("list", { name: "Allowlist entries" }).getByRole("listitem");
  }

  /** Adds a row with + and fills it in. */
  async addEntry(address: string, bits: number) {
    const before = await this.rows().count();
    await this.allowlist.getByRole("button", { name: "Add an address" }).click();
    const row = this.rows().nth(before);
    await expect(this.rows()).toHaveCount(before + 1);
    await row.getByLabel("IP address").fill(address);
    await row.getByLabel("Checking bits").selectOption(String(bits));
    return row;
  }

  async expectEntries(entries: Array<[string, number]>) {
    await expect(this.rows()).toHaveCount(entries.length);
    for (const [index, [address, bits]] of entries.entries()) {
      const row = this.rows().nth(index);
      await expect(row.getByLabel("IP address")).toHaveValue(address);
      await expect(row.getByLabel("Checking bits")).toHaveValue(String(bits));
    }
  }

  async removeRow(index: number) {
    const before = await this.rows().count();
    await this.rows().nth(index).getByRole("button", { name: "Remove this address" }).click();
    await expect(this.rows()).toHaveCount(before - 1);
  }

  saveButton() {
    return this.allowlist.getByRole("button", { name: "Save", exact: true });
  }

  savedNote() {
    return this.allowlist.getByText("Saved.", { exact: true });
  }

  lockoutDialog() {
    return this.page.getByRole("dialog", { name: "Lock yourself out?" });
  }

  /** Types the days of the unused-token policy (blank turns it off) and saves. */
  async saveUnusedDays(days: string) {
    await this.unusedTokens.getByLabel("Expire tokens unused for (days)").fill(days);
    await this.unusedTokens.getByRole("button", { name: "Save", exact: true }).click();
  }
}

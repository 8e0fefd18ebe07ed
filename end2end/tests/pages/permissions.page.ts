import { expect, type Locator, type Page } from "@playwright/test";
import { waitForHydration } from "./login.page";

/** Admin → Permissions: the catalogue tokens are granted from. */
export class PermissionsPage {
  readonly heading: Locator;
  readonly addForm: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "Permissions", level: 1 });
    this.addForm = page.locator("section", { has: page.getByRole("heading", { name: "Add a permission" }) });
  }

  async openFromNavigation() {
    await this.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Permissions" }).click();
    await expect(this.page).toHaveURL(/\/admin\/permissions$/);
    await expect(this.heading).toBeVisible();
    await waitForHydration(this.page);
  }

  /** Reloads the page; a click before hydration would fall on a button with no handler yet. */
  async reload() {
    await this.page.reload();
    await expect(this.heading).toBeVisible();
    await waitForHydration(this.page);
  }

  row(name: string) {
    return this.page.locator(`table.permissions tbody tr[data-permission="${name}"]`);
  }

  cells(name: string) {
    return this.row(name).locator("td");
  }

  async add(permission: { name: string; description: string; adminOnly?: boolean }) {
    await this.addForm.getByLabel("Name").fill(permission.name);
    await this.addForm.getByLabel("Description").fill(permission.description);
    if (permission.adminOnly) await this.addForm.getByLabel("Only admins may grant it").check();
    await this.addForm.getByRole("button", { name: "Add Permission" }).click();
  }

  removeDialog() {
    return this.page.getByRole("dialog", { name: "Remove Permission" });
  }
}

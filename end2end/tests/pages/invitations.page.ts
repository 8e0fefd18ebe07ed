import { expect, type Locator, type Page } from "@playwright/test";
import { waitForHydration } from "./login.page";

export interface Invitee {
  email: string;
  displayName: string;
  role?: "User" | "Admin";
}

/** Admin → Invitations. */
export class InvitationsPage {
  readonly inviteButton: Locator;

  constructor(readonly page: Page) {
    this.inviteButton = page.getByRole("button", { name: "Invite user" });
  }

  async open() {
    await this.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Invitations" }).click();
    await expect(this.page).toHaveURL(/\/admin\/invitations$/);
    await waitForHydration(this.page);
    await expect(this.page.getByRole("heading", { level: 1, name: "Invitations" })).toBeVisible();
  }

  linkDialog() {
    return this.page.getByRole("dialog", { name: "Invitation link" });
  }

  /** Invites someone and returns the link the dialog shows, leaving the dialog open. */
  async invite(invitee: Invitee): Promise<string> {
    await this.inviteButton.click();
    const form = this.page.getByRole("dialog", { name: "Invite user" });
    await form.getByLabel("E-mail").fill(invitee.email);
    await form.getByLabel("Display name").fill(invitee.displayName);
    await form.getByLabel("Role").selectOption({ label: invitee.role ?? "User" });
    await form.getByRole("button", { name: "Create invitation" }).click();
    return this.shownLink();
  }

  async shownLink(): Promise<string> {
    const link = this.linkDialog().getByTestId("invitation-link");
    await expect(link).toHaveText(/\/invite\/[A-Za-z0-9]{43}$/);
    return (await link.textContent())!.trim();
  }

  async closeLinkDialog() {
    await this.linkDialog().getByRole("button", { name: "Done" }).click();
    await expect(this.linkDialog()).toBeHidden();
  }

  row(email: string) {
    return this.page.locator(`tr[data-email="${email}"]`);
  }

  status(email: string) {
    return this.row(email).locator("td.status");
  }

  /** Resends and returns the new link, leaving its dialog open. */
  async resend(email: string): Promise<string> {
    await this.row(email).getByRole("button", { name: "Resend" }).click();
    return this.shownLink();
  }

  async revoke(email: string) {
    await this.row(email).getByRole("button", { name: "Revoke" }).click();
    const confirm = this.page.getByRole("dialog", { name: "Revoke invitation" });
    await expect(confirm).toContainText(email);
    await confirm.getByRole("button", { name: "Revoke" }).click();
    await expect(confirm).toBeHidden();
  }
}

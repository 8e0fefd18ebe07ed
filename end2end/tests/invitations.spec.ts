import { expect, test } from "./fixtures";
import { AcceptInvitationPage } from "./pages/accept-invitation.page";
import { LoginPage, users } from "./pages/login.page";
import { InvitationsPage } from "./pages/invitations.page";
import { ProfilePage } from "./pages/profile.page";

/** Names no other run of the suite has used: every run starts on a fresh database, but a
 * spec may be retried by hand against the same server. */
function unique(prefix: string) {
  const tag = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  return { username: `${prefix}${tag}`, email: `${prefix}.${tag}@example.com` };
}

test("an admin invites a user, who accepts in a fresh browser and signs in", async ({ page, browser, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await ProfilePage.signedInAs(page, users.admin);
  const invitations = new InvitationsPage(page);
  await invitations.open();

  const ivy = unique("ivy");
  const link = await invitations.invite({ email: ivy.email, displayName: "Ivy Invitee" });
  expect(link.startsWith(test.info().project.use.baseURL!)).toBe(true);
  await expect(invitations.linkDialog()).toContainText("E-mail is not set up on this server");
  await invitations.linkDialog().getByRole("button", { name: "Copy" }).click();
  await expect(invitations.linkDialog().getByText("Copied")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
  await page.screenshot({ path: "screenshots/invitation-link.png" });
  await invitations.closeLinkDialog();
  await expect(invitations.status(ivy.email)).toHaveText("Pending");

  const fresh = await browser.newContext();
  try {
    const inviteePage = await fresh.newPage();
    const accept = new AcceptInvitationPage(inviteePage);
    await accept.open(link);
    await expect(accept.welcome("Ivy Invitee")).toBeVisible();
    await expect(inviteePage.getByText(ivy.email)).toBeVisible();

    // Mistakes are explained beside their fields, and lose nothing.
    await accept.fill(users.alice.username, "short", "short");
    await accept.submit();
    await expect(inviteePage.getByText("The password must be at least 8 characters long.")).toBeVisible();
    await accept.fill(users.alice.username, "ivy-password-1", "ivy-password-1");
    await accept.submit();
    await expect(inviteePage.getByText("The username alice is taken. Choose another.")).toBeVisible();
    await expect(inviteePage.getByLabel("Username")).toHaveAttribute("aria-invalid", "true");

    await accept.fill(ivy.username, "ivy-password-1");
    await inviteePage.screenshot({ path: "screenshots/invitation-accept.png" });
    await accept.submit();
    await expect(inviteePage).toHaveURL(/\/profile$/);
    await expect(inviteePage.getByRole("heading", { level: 1 })).toHaveText("Ivy Invitee");

    // The new account signs in like any other.
    await inviteePage.getByRole("button", { name: "Sign out" }).click();
    await expect(inviteePage).toHaveURL(/\/login$/);
    const login = new LoginPage(inviteePage);
    await login.signIn(ivy.username, "ivy-password-1");
    await expect(inviteePage).toHaveURL(/\/profile$/);

    // The link was single-use.
    await accept.open(link);
    await accept.expectBroken();
  } finally {
    await fresh.close();
  }

  await page.reload();
  await expect(invitations.status(ivy.email).locator(".badge")).toHaveText("Accepted");
  await expect(invitations.status(ivy.email)).toContainText(`as ${ivy.username} on `);
  await expect(invitations.row(ivy.email).getByRole("button")).toHaveCount(0);
});

test("a resent invitation's old link is broken, and a revoked one too", async ({ page, browser }) => {
  await ProfilePage.signedInAs(page, users.admin);
  const invitations = new InvitationsPage(page);
  await invitations.open();

  const rex = unique("rex");
  const oldLink = await invitations.invite({ email: rex.email, displayName: "Rex Resent", role: "Admin" });
  await invitations.closeLinkDialog();
  const newLink = await invitations.resend(rex.email);
  expect(newLink).not.toBe(oldLink);
  await invitations.closeLinkDialog();
  await expect(invitations.status(rex.email)).toHaveText("Pending");
  await page.screenshot({ path: "screenshots/invitations-list.png", fullPage: true });

  const fresh = await browser.newContext();
  try {
    const inviteePage = await fresh.newPage();
    const accept = new AcceptInvitationPage(inviteePage);
    await accept.open(oldLink);
    await accept.expectBroken();
    await inviteePage.screenshot({ path: "screenshots/invitation-broken.png" });

    await accept.open(newLink);
    await expect(accept.welcome("Rex Resent")).toBeVisible();

    await invitations.revoke(rex.email);
    await expect(invitations.status(rex.email)).toHaveText("Revoked");
    await accept.open(newLink);
    await accept.expectBroken();
  } finally {
    await fresh.close();
  }
});

test("an e-mail that already has an account cannot be invited", async ({ page }) => {
  await ProfilePage.signedInAs(page, users.admin);
  const invitations = new InvitationsPage(page);
  await invitations.open();
  await invitations.inviteButton.click();
  const form = page.getByRole("dialog", { name: "Invite user" });
  await form.getByLabel("E-mail").fill("Bruno@Example.com");
  await form.getByLabel("Display name").fill("Bruno Again");
  await form.getByRole("button", { name: "Create invitation" }).click();
  await expect(form.getByText("A user with the e-mail Bruno@example.com already exists.")).toBeVisible();
  await expect(form.getByLabel("E-mail")).toHaveValue("Bruno@Example.com");
  await expect(form.getByLabel("E-mail")).toHaveAttribute("aria-invalid", "true");
});

import { expect, test } from "./fixtures";
import { users, waitForHydration } from "./pages/login.page";
import { PermissionsPage } from "./pages/permissions.page";
import { ProfilePage } from "./pages/profile.page";

const unique = (what: string) => `${what} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

test("an admin adds a permission people can grant, then removes it from the catalogue and its tokens", async ({
  browser,
  page,
}) => {
  await ProfilePage.signedInAs(page, users.admin);
  const permissions = new PermissionsPage(page);
  await permissions.openFromNavigation();
  await expect(permissions.cells("profile:read").last()).toHaveText("Built in");
  await expect(permissions.cells("reports:read").nth(2)).toHaveText("Admins");
  await expect(permissions.row("billing:read")).toHaveCount(0);

  await permissions.add({ name: "billing:read", description: "Read invoices in the billing service" });
  const cells = permissions.cells("billing:read");
  await expect(cells).toHaveText(["billing:read", "Read invoices in the billing service", "Everyone", "0", "Remove"]);
  // The form is ready for the next one.
  await expect(permissions.addForm.getByLabel("Name")).toHaveValue("");
  await page.screenshot({ path: "screenshots/permissions-page.png", fullPage: true });

  // Alice is offered it, and a token of hers holds it.
  const aliceContext = await browser.newContext();
  const alice = await ProfilePage.signedInAs(await aliceContext.newPage(), users.alice);
  const label = unique("billing export");
  const dialog = await alice.openCreate();
  await expect(dialog.getByRole("group", { name: "Permissions" })).toContainText("Read invoices in the billing service");
  await expect(alice.permissionBox(dialog, "reports:read")).toHaveCount(0);
  await alice.fillCreate(dialog, { label, permissions: ["billing:read", "profile:read"] });
  await dialog.getByRole("button", { name: "Create Token" }).click();
  await alice.dialog("Your new personal access token").getByRole("button", { name: "Done" }).click();
  await expect(alice.chips(alice.row(label))).toHaveText(["billing:read", "profile:read"]);

  await permissions.reload();
  await expect(cells.nth(3)).toHaveText("1");
  await cells.getByRole("button", { name: "Remove" }).click();
  const confirm = permissions.removeDialog();
  await expect(confirm).toContainText("billing:read");
  await expect(confirm).toContainText("1 active token holds it and will lose it.");
  await confirm.getByRole("button", { name: "Remove", exact: true }).click();
  await expect(confirm).toBeHidden();
  await expect(permissions.row("billing:read")).toHaveCount(0);
  await expect(permissions.row("profile:read")).toBeVisible();

  // Gone from the form, and from the token that held it.
  await alice.page.reload();
  await waitForHydration(alice.page);
  await expect(alice.chips(alice.row(label))).toHaveText(["profile:read"]);
  const again = await alice.openCreate();
  await expect(alice.permissionBox(again, "profile:read")).toBeVisible();
  await expect(alice.permissionBox(again, "billing:read")).toHaveCount(0);
  await aliceContext.close();
});

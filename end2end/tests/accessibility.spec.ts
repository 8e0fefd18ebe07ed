import AxeBuilder from "@axe-core/playwright";
import { type Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { users } from "./pages/login.page";
import { ProfilePage } from "./pages/profile.page";
import { colorSchemes, phone, sitePages, TopBar, useColorScheme, visit } from "./pages/site.page";
import { chooseAction } from "./pages/token-actions";

// axe-core on every page and on the dialogs, in the light and the dark colour scheme: no
// violation rated "serious" or "critical" (colour contrast among them).

const unique = (what: string) => `${what} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Runs axe on the page as it is now, once per colour scheme; ends light. */
async function expectAccessible(page: Page, what: string) {
  for (const colorScheme of colorSchemes) {
    await useColorScheme(page, colorScheme);
    const { violations } = await new AxeBuilder({ page }).analyze();
    const serious = violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
    const listing = serious
      .map(
        (violation) =>
          `${violation.id} (${violation.impact}): ${violation.help}\n` +
          violation.nodes.map((node) => `    ${node.target.join(" ")}\n      ${node.failureSummary?.replace(/\n/g, "\n      ")}`).join("\n"),
      )
      .join("\n");
    expect(serious.length, `${what}, ${colorScheme}: axe found\n${listing}`).toBe(0);
  }
  await useColorScheme(page, "light");
}

for (const target of sitePages) {
  test(`${target.path} has no serious accessibility violations, light or dark`, async ({ page }) => {
    await visit(page, target);
    await expectAccessible(page, target.path);
  });
}

test("the Create Token dialog has no serious accessibility violations", async ({ page }) => {
  const profile = await ProfilePage.signedInAs(page, users.admin);
  const dialog = await profile.openCreate();
  await expectAccessible(page, "the Create Token dialog");
  // With the errors a submission without a label shows.
  await dialog.getByRole("button", { name: "Create Token" }).click();
  await expect(dialog.getByText("Enter a label.")).toBeVisible();
  await expectAccessible(page, "the Create Token dialog with errors");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
});

test("the Expire Token confirmation has no serious accessibility violations", async ({ page }) => {
  const profile = await ProfilePage.signedInAs(page, users.admin);
  // A token of this test's own, so no other spec's token is touched; it is left unexpired.
  const label = unique("a11y expire");
  const { secretDialog } = await profile.createToken({ label });
  await expectAccessible(page, "the new token's one-time dialog");
  await secretDialog.getByRole("button", { name: "Done" }).click();
  await chooseAction(profile.row(label), "Expire Token");
  const confirm = profile.dialog("Expire Token");
  await expect(confirm).toContainText(label);
  await expectAccessible(page, "the Expire Token confirmation");
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(confirm).toBeHidden();
});

test("the phone menu, open, has no serious accessibility violations", async ({ page }) => {
  await page.setViewportSize(phone);
  await visit(page, sitePages.find((target) => target.name === "admin-users")!);
  await new TopBar(page).openMenu();
  await expectAccessible(page, "/admin/users at 375 pixels with the menu open");
});

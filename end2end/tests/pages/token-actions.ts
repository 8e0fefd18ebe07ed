import { type Locator } from "@playwright/test";

/** A token row's Actions button, which opens its menu. */
export function actionsButton(row: Locator) {
  return row.getByRole("button", { name: /^Actions for/ });
}

/** Opens a token row's Actions menu and chooses `item` ("Rotate…", "Expire Token", …). */
export async function chooseAction(row: Locator, item: string) {
  await actionsButton(row).click();
  await row.getByRole("menuitem", { name: item, exact: true }).click();
}

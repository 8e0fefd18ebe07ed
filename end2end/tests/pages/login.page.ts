import { expect, type Page } from "@playwright/test";

export const users = {
  alice: { username: "alice", displayName: "Alice Example", password: () => process.env.E2E_USER_PASSWORD! },
  bruno: { username: "bruno", displayName: "Bruno Example", password: () => process.env.E2E_USER_PASSWORD! },
  dana: { username: "dana", displayName: "Dana Example", password: () => process.env.E2E_USER_PASSWORD! },
  erin: { username: "erin", displayName: "Erin Example", password: () => process.env.E2E_USER_PASSWORD! },
  frank: { username: "frank", displayName: "Frank Example", password: () => process.env.E2E_USER_PASSWORD! },
  gina: { username: "gina", displayName: "Gina Example", password: () => process.env.E2E_USER_PASSWORD! },
  hana: { username: "hana", displayName: "Hana Example", password: () => process.env.E2E_USER_PASSWORD! },
  ivan: { username: "ivan", displayName: "Ivan Example", password: () => process.env.E2E_USER_PASSWORD! },
  kim: { username: "kim", displayName: "Kim Example", password: () => process.env.E2E_USER_PASSWORD! },
  omar: { username: "omar", displayName: "Omar Example", password: () => process.env.E2E_USER_PASSWORD! },
  admin: { username: "admin", displayName: "Ada Admin", password: () => process.env.E2E_ADMIN_PASSWORD! },
};

export class LoginPage {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.goto("/login");
    await waitForHydration(this.page);
  }

  async signIn(username: string, password: string) {
    await this.page.getByLabel("Username").fill(username);
    await this.page.getByLabel("Password").fill(password);
    await this.page.getByRole("button", { name: "Sign in" }).click();
  }

  error() {
    return this.page.getByRole("alert");
  }
}

/** The page answers clicks only once the wasm bundle has taken over the server's HTML. */
export async function waitForHydration(page: Page) {
  await expect(page.locator("body[data-hydrated]")).toBeAttached({ timeout: 15_000 });
}

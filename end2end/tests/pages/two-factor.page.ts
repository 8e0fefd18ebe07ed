import { expect, type Locator, type Page } from "@playwright/test";
import { Secret, TOTP } from "otpauth";

/** The profile's Two-Factor Authentication block. */
export class TwoFactorBlock {
  readonly block: Locator;

  constructor(readonly page: Page) {
    this.block = page.locator("section", { has: page.getByRole("heading", { name: "Two-Factor Authentication" }) });
  }

  /** Starts the set-up and reads the key the page shows, as someone typing it into an app would. */
  async begin() {
    await this.block.getByRole("button", { name: "Set up two-factor authentication" }).click();
    await expect(this.block.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
    const key = (await this.block.getByTestId("two-factor-secret").textContent())!.replace(/\s/g, "");
    return new Authenticator(key);
  }

  async confirm(code: string) {
    await this.block.getByLabel("Code from the app").fill(code);
    await this.block.getByRole("button", { name: "Turn on" }).click();
  }

  recoveryCodes() {
    return this.block.getByTestId("recovery-codes").locator("li");
  }
}

/** The phone's authenticator app, computing codes from the key (RFC 6238, as the apps do). */
export class Authenticator {
  private readonly totp: TOTP;
  private lastStep = -1;

  constructor(key: string) {
    this.totp = new TOTP({ secret: Secret.fromBase32(key), digits: 6, period: 30, algorithm: "SHA1" });
  }

  /** The current code; waits for the next one if this step's was already used. */
  async code() {
    const step = () => Math.floor(Date.now() / 30_000);
    while (step() <= this.lastStep) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    this.lastStep = step();
    return this.totp.generate();
  }
}

/** `/login/code`: the second step of signing in. */
export class SignInCodePage {
  constructor(readonly page: Page) {}

  async enter(code: string) {
    await this.page.getByLabel("Code").fill(code);
    await this.page.getByRole("button", { name: "Verify" }).click();
  }
}

import { type APIRequestContext } from "@playwright/test";
import { expect, test } from "./fixtures";
import { users } from "./pages/login.page";
import { ProfilePage } from "./pages/profile.page";
import { ReportPage } from "./pages/report.page";
import { SecurityPage } from "./pages/security.page";

// run.sh gives lena one token, made 120 days ago and never used; nobody else signs in as her.
const lena = { username: "lena", password: () => process.env.E2E_USER_PASSWORD! };
const staleSecret = () => process.env.E2E_STALE_TOKEN!;

async function meStatus(request: APIRequestContext, secret: string) {
  const answer = await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${secret}` } });
  return answer.status();
}

test("an admin expires tokens unused for 90 days, and the owner sees why", async ({ browser, page, request }) => {
  const hint = staleSecret().slice(-4);
  await ProfilePage.signedInAs(page, users.admin);
  const security = new SecurityPage(page);
  await security.openFromNavigation();
  const unused = security.unusedTokens;
  await expect(unused.getByTestId("unused-now")).toHaveText(/^Off/);

  await security.saveUnusedDays("0");
  await expect(unused.getByRole("alert")).toContainText("Enter a whole number of days from 1 to 3650");

  // A policy that would expire tokens at once asks first, naming how many.
  await security.saveUnusedDays("90");
  const question = unused.getByRole("alert");
  await expect(question).toContainText("1 active token has not been used for 90 days. Saving expires it at once");
  await expect(unused.getByTestId("unused-now")).toHaveText(/^Off/);
  await page.screenshot({ path: "screenshots/security-unused-confirm.png", fullPage: true });
  await unused.getByRole("button", { name: "Save and expire 1 token" }).click();
  await expect(unused.getByRole("status")).toHaveText("Saved. 1 unused token was expired.");
  await expect(unused.getByTestId("unused-now")).toHaveText(
    "Tokens unused for 90 days are expired, and their owners told.",
  );
  expect(await meStatus(request, staleSecret())).toBe(401);

  // The report's status filter finds it, with the reason.
  const report = await ReportPage.open(page, "?status=expired-unused&q=lena");
  const reported = report.tokenRow(hint);
  await expect(reported.locator("td.status .badge")).toHaveText("Expired as unused");
  await expect(reported.locator("td.status")).toContainText("unused for 90 days");

  // Its owner sees why it stopped working.
  const lenasContext = await browser.newContext();
  const lenasProfile = await ProfilePage.signedInAs(await lenasContext.newPage(), lena);
  const row = lenasProfile.row("old laptop");
  await expect(row.locator("td.status .badge")).toHaveText("Expired as unused");
  await expect(row.locator("td.status")).toContainText("unused for 90 days");
  await lenasProfile.page.screenshot({ path: "screenshots/token-expired-unused.png", fullPage: true });
  await lenasContext.close();

  // Blank turns the policy off.
  await security.openFromNavigation();
  await security.saveUnusedDays("");
  await expect(unused.getByRole("status")).toHaveText("Saved.");
  await expect(unused.getByTestId("unused-now")).toHaveText(/^Off/);
});

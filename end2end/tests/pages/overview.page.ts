import { expect, type Locator, type Page } from "@playwright/test";

/** Admin → Overview, where admins land after signing in. */
export class OverviewPage {
  readonly heading: Locator;
  readonly chart: Locator;
  readonly checksChart: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "Overview", level: 1 });
    this.chart = page.getByRole("img", { name: /tokens created and .* expired/ });
    this.checksChart = page.getByRole("img", { name: /token checks succeeded and .* refused/ });
  }

  /** The tile of a group of tokens, a link to the report that lists them. */
  tile(words: string) {
    return this.page.locator("ul.tiles a", { has: this.page.locator(".tile-words", { hasText: new RegExp(`^${words}$`) }) });
  }

  async count(words: string) {
    return Number(await this.tile(words).locator(".tile-count").innerText());
  }

  /** The two figures of the newest period of a chart ("weekly" or "daily"), from its table. */
  async latest(chart: "weekly" | "daily") {
    const card = this.page.locator(`section.${chart}`);
    await card.getByText("Show the numbers").click();
    const cells = card.locator("tbody tr").first().locator("td");
    return [Number(await cells.nth(0).innerText()), Number(await cells.nth(1).innerText())];
  }
}

import { expect, test as base, type BrowserContext } from "@playwright/test";

/**
 * Records every Content-Security-Policy violation in the context's pages. Chromium prints a
 * console error for each; the listener added to every document reports the rest (a refused
 * `eval`, say) the same way.
 */
export async function watchForViolations(context: BrowserContext, violations: string[]) {
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  const watch = (page: import("@playwright/test").Page) =>
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) {
        violations.push(`${page.url()}: ${message.text()}`);
      }
    });
  context.pages().forEach(watch);
  context.on("page", watch);
}

/**
 * The suite's `test`: each test fails if any page it opened, in its own context or in one it
 * made with `browser.newContext`, reported a policy violation. Every flow thereby proves that
 * the pages hydrate and work under the policy as the server sends it.
 */
export const test = base.extend<{ noPolicyViolations: void }>({
  noPolicyViolations: [
    async ({ context, browser }, use) => {
      const violations: string[] = [];
      await watchForViolations(context, violations);
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (options) => {
        const made = await newContext(options);
        await watchForViolations(made, violations);
        return made;
      };
      await use();
      browser.newContext = newContext;
      expect(violations, "Content-Security-Policy violations").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

import { expect, test as base, type BrowserContext, type Response } from "@playwright/test";
import { appendFileSync } from "node:fs";

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

/** Token secrets, and the secrets of invitation and password-reset links. */
const SECRET_PATTERNS = [/\btsr1[0-9A-Za-z]{44}\b/g, /\/(?:invite|reset)\/([0-9A-Za-z]{20,})/g];

/**
 * Writes every secret the server sends the browser to `E2E_SECRETS_FILE`, one per line:
 * run.sh then checks that none of them reached the server's log.
 */
export function collectSecrets(context: BrowserContext) {
  const file = process.env.E2E_SECRETS_FILE;
  if (!file) return;
  context.on("response", async (response: Response) => {
    const type = response.headers()["content-type"] ?? "";
    if (!/text\/html|json|text\/plain/.test(type)) return;
    const body = await response.text().catch(() => "");
    const found = SECRET_PATTERNS.flatMap((pattern) =>
      [...body.matchAll(pattern)].map((match) => match[1] ?? match[0]),
    );
    if (found.length > 0) appendFileSync(file, found.join("\n") + "\n");
  });
}

/**
 * The suite's `test`: each test fails if any page it opened, in its own context or in one it
 * made with `browser.newContext`, reported a policy violation; and it collects the secrets
 * those pages received. Every flow thereby proves that
 * the pages hydrate and work under the policy as the server sends it.
 */
export const test = base.extend<{ noPolicyViolations: void }>({
  noPolicyViolations: [
    async ({ context, browser }, use) => {
      const violations: string[] = [];
      await watchForViolations(context, violations);
      collectSecrets(context);
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (options) => {
        const made = await newContext(options);
        await watchForViolations(made, violations);
        collectSecrets(made);
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

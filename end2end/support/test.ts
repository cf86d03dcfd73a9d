// Every spec's `test`: Playwright's, plus a guard that fails the test when
// the browser reports a Content-Security-Policy violation on any page the
// test opened (the policy must let the hydrated app do all it does, and
// nothing else).
import { expect, test as base } from "@playwright/test";

export type { Locator, Page } from "@playwright/test";
export { expect };

export const test = base.extend<{ cspViolations: string[] }>({
  cspViolations: [
    async ({ context }, use) => {
      const violations: string[] = [];
      const watch = (page: import("@playwright/test").Page) =>
        page.on("console", (message) => {
          if (/Content.Security.Policy/i.test(message.text())) violations.push(`${page.url()}: ${message.text()}`);
        });
      context.pages().forEach(watch);
      context.on("page", watch);
      await use(violations);
      expect(violations, "Content-Security-Policy violations reported in the browser").toEqual([]);
    },
    { auto: true },
  ],
});

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import type { AxeResults } from "axe-core";

/** axe-core's own bundle, pinned in package.json; evaluated in the page (the app's CSP allows no injected script tag). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface Violation {
  id: string;
  impact: string | null | undefined;
  help: string;
  targets: string[];
}

/** The serious and critical accessibility violations on the page as it is now (WCAG 2.x A and AA rules, best practices too). */
export async function seriousViolations(page: Page): Promise<Violation[]> {
  const results = await page.evaluate<AxeResults>(`${AXE_SOURCE}\n;axe.run(document, { resultTypes: ["violations"] })`);
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")) }));
}

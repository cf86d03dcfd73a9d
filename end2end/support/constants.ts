// Shared by the config and the specs: where things are, and who exists.
import path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");
export const BINARY = process.env.KEYWARD_BIN ?? path.join(ROOT, "dist", "keyward");
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// Without the background-networking flags Chromium floods the closed
// network with refused connections (docs/toolchain.md).
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** The data dir of the suite's server (support/serve.sh) on `port`. */
export function stateDir(port: string | undefined = process.env.KEYWARD_E2E_PORT): string {
  return path.join(ROOT, "end2end", ".state", `run-${port}`);
}

/** Users, agencies and keys support/serve.sh creates before the server starts. */
export const SEED = {
  password: "e2e password 4 keyward",
  superManager: { email: "sam@acme.test", name: "Sam Super", role: "Super manager" },
  manager: { email: "max@acme.test", name: "Max Manager", role: "Manager" },
  agent: { email: "ada@acme.test", name: "Ada Agent", role: "Agent" },
  /** Paging Partners: keys "Feed 01" … "Feed 30", every third a test key. */
  pager: { email: "pat@paging.test", name: "Pat Pager", keys: 30 },
  /** Empty Estates: no keys. */
  empty: { email: "eve@empty.test", name: "Eve Empty" },
  /** Records Realty: 30 live leads ("Lead 01" … "Lead 30") and two listings from "Portal sync", one test lead and listing from "Sandbox sync". */
  records: { email: "rita@records.test", name: "Rita Records", leads: 30 },
  /** Notice Nook <project>: key "Idle feed", unused; its 15- and 7-day deletion notices are unread. */
  notice: (project: string) => ({ email: `nina-${project}@notice.test`, name: "Nina Notice", key: "Idle feed" }),
  /** OAuth Oaks <project>: a super manager and no OAuth app yet. */
  oauth: (project: string) => ({ email: `olive-${project}@oauth.test`, name: "Olive OAuth" }),
  /** Webhook Wharf <project>: a super manager and no webhook endpoint yet (webhooks.spec.ts). */
  webhooks: (project: string) => ({ email: `wendy-${project}@webhooks.test`, name: "Wendy Webhook" }),
  /** Team Town <project>: Tess (super manager); Mo and Kit (managers of Main; keys "Mo's feed" and "Kit's feed" act as them); Pia and Rex (agents). */
  team: (project: string) => ({
    tess: { email: `tess-${project}@team.test`, name: "Tess Team" },
    mo: { email: `mo-${project}@team.test`, name: "Mo Manager" },
    pia: { email: `pia-${project}@team.test`, name: "Pia Person" },
    rex: { email: `rex-${project}@team.test`, name: "Rex Reset" },
    kit: { email: `kit-${project}@team.test`, name: "Kit Keyboard" },
    agency: `Team Town ${project}`,
  }),
  /** Limit Homes <project>: three active keys, the default limit. */
  limit: (project: string) => ({ email: `lou-${project}@limit.test`, agency: `Limit Homes ${project}` }),
};

/** index.ts refuses what render refuses: a plain-text key, a foreign namespace, a misspelled key, nested typos. */
import { describe, expect, it, vi } from "vitest";
import { HOST_KEY } from "../helpers/spec";
import { installMocks, settle } from "../helpers/mocks";

async function runProgram(config: Record<string, string>, secretKeys: string[]) {
  vi.resetModules();
  process.env.PULUMI_CONFIG = JSON.stringify(config);
  const recorded = await installMocks();
  const runtime = await import("@pulumi/pulumi/runtime");
  runtime.setAllConfig(config, secretKeys);
  try {
    await import("../../index");
    await settle();
    return { recorded, error: undefined };
  } catch (error) {
    return { recorded, error: error as Error };
  }
}

const hostKeys = JSON.stringify(Object.fromEntries(["controller", "compute1", "compute2", "compute3"].map((n) => [n, { hostKey: HOST_KEY }])));
const base = {
  "netlab:room": "27",
  "netlab:bench": "4",
  "netlab:nodes": hostKeys,
  "netlab:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
};

describe("index.ts with hostile config", () => {
  it("refuses a private key that is not a secret, without echoing it", async () => {
    const { recorded, error } = await runProgram(base, []);
    expect(error?.message).toContain(" - sshPrivateKey: (plain text, not shown) a private key in plain text in the stack file is refused");
    expect(error?.message).not.toContain("BEGIN OPENSSH");
    expect(recorded).toHaveLength(0);
  });

  it("refuses a key of another namespace and nested typos, before registering anything", async () => {
    const config = { ...base, "netlb:labUser": "student", "netlab:network": JSON.stringify({ podSubnt: "10.240.0.0/16" }) };
    const { recorded, error } = await runProgram(config, ["netlab:sshPrivateKey"]);
    expect(error?.message).toContain(' - netlb:labUser: is in namespace "netlb", which netlab does not read (did you mean netlab:labUser?)');
    expect(recorded).toHaveLength(0);
    const typo = await runProgram({ ...base, "netlab:benchh": "4", "netlab:network": JSON.stringify({ podSubnt: "10.240.0.0/16" }) }, ["netlab:sshPrivateKey"]);
    expect(typo.error?.message).toContain(" - benchh: unknown config key");
    expect(typo.error?.message).toContain(" - network.podSubnt: unknown key (did you mean podSubnet?)");
    expect(typo.recorded).toHaveLength(0);
  });
});

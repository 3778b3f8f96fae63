/**
 * Secrets set on a stack never appear on a command line: /proc/<pid>/cmdline of every process is sampled while
 * the secret is set. (The Automation API's own setAllConfig is sampled too, to show the sampler sees it there.)
 * Uses the toolchain's Pulumi CLI with a throw-away project, file backend and passphrase.
 */
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAllConfigSafely, setSecretConfig } from "../../lib/engine/secret-config";
import { pinnedVersions, toolchainRoot } from "../../lib/engine/toolchain";

const SECRET = `-----BEGIN OPENSSH PRIVATE KEY-----\nTESTSECRET${Date.now()}Zq9\n-----END OPENSSH PRIVATE KEY-----\n`;
let dir: string;
let stack: Stack;

beforeAll(async () => {
  const root = path.join(toolchainRoot(), `pulumi-${pinnedVersions().PULUMI_VERSION}`);
  if (!existsSync(path.join(root, ".complete"))) throw new Error(`no Pulumi CLI in ${root}; build the toolchain with \`npm run toolchain\``);
  dir = mkdtempSync(path.join(os.tmpdir(), "netlab-secret-config-"));
  writeFileSync(path.join(dir, "Pulumi.yaml"), "name: secret-config-test\nruntime: nodejs\n");
  const pulumiCommand = await PulumiCommand.get({ root, skipVersionCheck: true });
  stack = await LocalWorkspace.createOrSelectStack(
    { stackName: "t", workDir: dir },
    {
      pulumiCommand,
      envVars: {
        PULUMI_BACKEND_URL: `file://${dir}`,
        PULUMI_CONFIG_PASSPHRASE: "test-passphrase",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_HOME: path.join(dir, ".pulumi-home"),
      },
    },
  );
}, 120_000);
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

/** Runs `action` while reading every process's command line every few milliseconds; returns the lines holding `needle`. */
async function cmdlinesDuring(action: () => Promise<unknown>, needle: string): Promise<string[]> {
  const seen = new Set<string>();
  let samples = 0;
  const sample = () => {
    samples++;
    for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
      try {
        const line = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
        if (line.includes(needle)) seen.add(line);
      } catch {
        // gone already
      }
    }
  };
  const timer = setInterval(sample, 2);
  try {
    await action();
  } finally {
    clearInterval(timer);
  }
  expect(samples).toBeGreaterThan(3);
  return [...seen];
}

describe("secret stack config", () => {
  it("setSecretConfig: the value is stored encrypted, exactly, and never on a command line", async () => {
    const hits = await cmdlinesDuring(() => setSecretConfig(stack, "netlab:sshPrivateKey", SECRET), "TESTSECRET");
    expect(hits).toEqual([]);
    const stored = await stack.getConfig("netlab:sshPrivateKey");
    expect(stored).toEqual({ value: SECRET, secret: true });
    expect(readFileSync(path.join(dir, "Pulumi.t.yaml"), "utf8")).toMatch(/netlab:sshPrivateKey:\n\s+secure: /);
  }, 60_000);

  it("setAllConfigSafely: plain values as before, secrets over stdin", async () => {
    const hits = await cmdlinesDuring(
      () =>
        setAllConfigSafely(stack, {
          "netlab:room": { value: "27" },
          "netlab:sshPrivateKey": { value: SECRET, secret: true },
        }),
      "TESTSECRET",
    );
    expect(hits).toEqual([]);
    expect(await stack.getConfig("netlab:room")).toEqual({ value: "27", secret: false });
    expect((await stack.getConfig("netlab:sshPrivateKey")).value).toBe(SECRET);
  }, 60_000);

  it("the sampler does see a value the Automation API puts on a command line", async () => {
    const hits = await cmdlinesDuring(() => stack.setAllConfig({ "netlab:other": { value: "TESTSECRET-visible", secret: true } }), "TESTSECRET");
    expect(hits.some((l) => l.includes("config set-all"))).toBe(true);
  }, 60_000);
});

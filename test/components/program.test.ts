/** The program entry point (index.ts) with stack config, under mocks: config is validated before any resource. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { HOST_KEY } from "../helpers/spec";
import { installMocks, settle } from "../helpers/mocks";

async function runProgram(config: Record<string, string>) {
  vi.resetModules();
  process.env.PULUMI_CONFIG = JSON.stringify(config);
  const recorded = await installMocks();
  // The runtime reads PULUMI_CONFIG when config is first used.
  const runtime = await import("@pulumi/pulumi/runtime");
  runtime.setAllConfig(
    config,
    Object.keys(config).filter((k) => k.endsWith("sshPrivateKey")),
  );
  try {
    const program = await import("../../index");
    await settle();
    return { recorded, program, error: undefined };
  } catch (error) {
    return { recorded, program: undefined, error: error as Error };
  }
}

const hostKeys = JSON.stringify(Object.fromEntries(["controller", "compute1", "compute2", "compute3"].map((n) => [n, { hostKey: HOST_KEY }])));

describe("index.ts", () => {
  it("builds a bench from stack config, with the room and bench from config", async () => {
    const bundle = mkdtempSync(path.join(os.tmpdir(), "bundle-"));
    writeFileSync(path.join(bundle, "bundle.json"), JSON.stringify({ versions: {}, images: {}, imageFiles: {}, files: {} }));
    process.env.NETLAB_BUNDLE_DIR = bundle;
    const { recorded, program, error } = await runProgram({
      "netlab:room": "30",
      "netlab:bench": "7",
      "netlab:sshPrivateKey": "key",
      "netlab:nodes": hostKeys,
      "netlab:placement": JSON.stringify({ webserverNode: "compute3", client2Node: "compute1" }),
    });
    expect(error).toBeUndefined();
    expect(program!.benchId).toBe("room30-bench7");
    expect(program!.placement).toEqual({ webserverNode: "compute3", client2Node: "compute1" });
    expect(recorded.some((r) => r.name === "room30-bench7-compute3-network")).toBe(true);
    expect(recorded.some((r) => r.name === "room30-bench7-compute3-bundle")).toBe(true);
    delete process.env.NETLAB_BUNDLE_DIR;
    rmSync(bundle, { recursive: true, force: true });
  });

  it("pushes the bundle packages.bundle names, into each node's root when nodeRoot is set", async () => {
    const bundle = mkdtempSync(path.join(os.tmpdir(), "bundle-"));
    writeFileSync(path.join(bundle, "bundle.json"), JSON.stringify({ versions: {}, images: {}, imageFiles: {}, files: {} }));
    process.env.NETLAB_BUNDLE_DIR = path.join(os.tmpdir(), "no-such-bundle");
    const { recorded, error } = await runProgram({
      "netlab:room": "30",
      "netlab:bench": "7",
      "netlab:sshPrivateKey": "key",
      "netlab:nodes": hostKeys,
      "netlab:packages": JSON.stringify({ source: "bundle", bundle }),
      "netlab:nodeRoot": "/srv/netlab/nodes",
    });
    delete process.env.NETLAB_BUNDLE_DIR;
    rmSync(bundle, { recursive: true, force: true });
    expect(error).toBeUndefined();
    const push = recorded.find((r) => r.name === "room30-bench7-compute2-bundle")!;
    expect(push.inputs).toMatchObject({ localDir: bundle, remoteDir: "/srv/netlab/nodes/compute2/var/lib/netlab/bundle" });
  });

  it("says how to build the bundle when a bench installs from it and it is missing", async () => {
    process.env.NETLAB_BUNDLE_DIR = path.join(os.tmpdir(), "no-such-bundle");
    const { recorded, error } = await runProgram({ "netlab:room": "30", "netlab:bench": "7", "netlab:sshPrivateKey": "key", "netlab:nodes": hostKeys });
    delete process.env.NETLAB_BUNDLE_DIR;
    expect(error?.message).toMatch(/no bundle at .*no-such-bundle .*build it with `\.\/bin\/netlab bundle`, set netlab:packages\.bundle to a built/);
    expect(recorded).toHaveLength(0);
  });

  it("refuses bad config with every problem, before registering anything", async () => {
    const { recorded, error } = await runProgram({
      "netlab:room": "27",
      "netlab:bench": "300",
      "netlab:placement": JSON.stringify({ client2Node: "compute1" }),
    });
    expect(error?.message).toMatch(/^Invalid bench config:/);
    expect(error?.message).toContain(" - bench: 300 is not a valid bench number");
    expect(error?.message).toContain(" - sshPrivateKey: (missing)");
    expect(error?.message).toContain(' - placement.client2Node: "compute1" is the webserver\'s node');
    expect(error?.message).toContain(" - nodes.controller.hostKey");
    expect(recorded).toHaveLength(0);
  });
});

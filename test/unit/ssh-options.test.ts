/** What every ssh invocation of a connection shares: the pinned host key's known_hosts line and the client's options. */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sshOptions, writePublicFiles, type SshConnection } from "../../lib/remote/ssh-options";

const agent = { socket: "/tmp/agent.sock", publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIClientKeyPublicHalfXXXXXXXXXXXXXXXXXXXXXXXX" };
const connection: SshConnection = {
  node: "compute1",
  host: "192.168.4.22",
  port: 22,
  user: "user",
  privateKey: "(not read here)",
  hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX root@compute1",
};
const dir = mkdtempSync(path.join(os.tmpdir(), "netlab-ssh-options-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The value of each `-o Name=value`, and the other flags' arguments. */
function parsed(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i]!, args[i + 1]!];
    if (flag === "-o") out[value.slice(0, value.indexOf("="))] = value.slice(value.indexOf("=") + 1);
    else out[flag] = value;
  }
  return out;
}

describe("SSH options", () => {
  it("pin the host key (only the given known_hosts), offer the agent's one key, never prompt", () => {
    const o = parsed(sshOptions(connection, agent, "/d/id.pub", "/d/known_hosts"));
    expect(o).toMatchObject({
      "-i": "/d/id.pub",
      IdentitiesOnly: "yes",
      IdentityAgent: "/tmp/agent.sock",
      BatchMode: "yes",
      StrictHostKeyChecking: "yes",
      UserKnownHostsFile: "/d/known_hosts",
      GlobalKnownHostsFile: "/dev/null",
      "-p": "22",
      "-l": "user",
    });
  });

  it("carry the node's limits: connect time, and unanswered liveness as 15 s probes (at least one)", () => {
    expect(parsed(sshOptions(connection, agent, "i", "k"))).toMatchObject({ ConnectTimeout: "10", ServerAliveInterval: "15", ServerAliveCountMax: "3" });
    const slow = { ...connection, connectTimeout: 100, aliveTimeout: 100 };
    expect(parsed(sshOptions(slow, agent, "i", "k"))).toMatchObject({ ConnectTimeout: "100", ServerAliveCountMax: "7" });
    expect(parsed(sshOptions({ ...connection, aliveTimeout: 1 }, agent, "i", "k")).ServerAliveCountMax).toBe("1");
  });
});

describe("the public files", () => {
  it("known_hosts holds the pinned key alone (no comment) for the host, bracketed with a port other than 22", () => {
    const [identity, knownHosts] = [path.join(dir, "id.pub"), path.join(dir, "known_hosts")];
    writePublicFiles(connection, agent, identity, knownHosts);
    expect(readFileSync(knownHosts, "utf8")).toBe("192.168.4.22 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\n");
    expect(readFileSync(identity, "utf8")).toBe(`${agent.publicKey}\n`);
    expect(statSync(knownHosts).mode & 0o777).toBe(0o600);
    writePublicFiles({ ...connection, port: 2222 }, agent, identity, knownHosts);
    expect(readFileSync(knownHosts, "utf8")).toMatch(/^\[192\.168\.4\.22\]:2222 ssh-ed25519 AAAA\S+\n$/);
  });
});

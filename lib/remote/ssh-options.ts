/**
 * What every ssh invocation for a connection shares: the host key pinned (StrictHostKeyChecking=yes against a
 * known_hosts holding only that key), the agent's key only, batch mode and the node's time limits. Only public
 * material is written: the key's public half and the pinned host key. Part of the SSH runner (lib/remote/ssh.ts).
 *
 * Everything below is required inside the functions, not imported at the top: the SshStep provider is
 * serialized with its closure.
 */
import type { Agent } from "./ssh-agent";

/** How to reach one node: its address and account, the key, the pinned host key and the node's time limits. */
export interface SshConnection {
  /** Node name, for error messages. */
  node: string;
  host: string;
  port: number;
  user: string;
  privateKey: string;
  /** "ssh-ed25519 AAAA..." */
  hostKey: string;
  /** Seconds to open a connection, banner included (OpenSSH's ConnectTimeout). @default 10 */
  connectTimeout?: number;
  /** Seconds a node may leave an open connection unanswered (ServerAlive probes every 15 s). @default 45 */
  aliveTimeout?: number;
}

/** The options every ssh invocation for this connection shares: pinned host key, the agent's key only, batch mode. */
export function sshOptions(c: SshConnection, agent: Agent, identity: string, knownHosts: string): string[] {
  return [
    "-i",
    identity,
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    `IdentityAgent=${agent.socket}`,
    "-o",
    "BatchMode=yes",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    `UserKnownHostsFile=${knownHosts}`,
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    `ConnectTimeout=${c.connectTimeout ?? 10}`,
    "-o",
    "ServerAliveInterval=15",
    "-o",
    `ServerAliveCountMax=${Math.max(1, Math.ceil((c.aliveTimeout ?? 45) / 15))}`,
    "-o",
    "LogLevel=ERROR",
    "-p",
    String(c.port),
    "-l",
    c.user,
  ];
}

/** Public material only: the key's public half (which picks it in the agent) and the pinned host key. */
export function writePublicFiles(c: SshConnection, agent: Agent, identity: string, knownHosts: string): void {
  const fs = require("node:fs") as typeof import("node:fs");
  fs.writeFileSync(identity, `${agent.publicKey}\n`, { mode: 0o600 });
  const hostPattern = c.port === 22 ? c.host : `[${c.host}]:${c.port}`;
  fs.writeFileSync(knownHosts, `${hostPattern} ${c.hostKey.split(/\s+/).slice(0, 2).join(" ")}\n`, { mode: 0o600 });
}

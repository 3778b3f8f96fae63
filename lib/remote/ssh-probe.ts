/**
 * Probes: read-only commands asked of one node at about the same time run in one SSH session (lib/remote/ssh.ts
 * runs it), so a refresh reads each node in one round trip.
 */
import { runSsh, type SshConnection } from "./ssh";
import { agentFor } from "./ssh-agent";
import { masterFor, sshMultiplexing } from "./ssh-master";

/** How long a probe waits for others on the same node to share its session. */
const PROBE_WINDOW_MS = 50;

interface PendingProbe {
  readonly commandLine: string;
  resolve(out: string): void;
  reject(e: Error): void;
}

/** This process's probes waiting for their node's batch, by connection (on globalThis, like the agents). */
function probeBatches(): Map<string, PendingProbe[]> {
  const g = globalThis as { __netlabSshProbes?: Map<string, PendingProbe[]> };
  g.__netlabSshProbes ??= new Map();
  return g.__netlabSshProbes;
}

/**
 * A read-only command (a step's `check`, a digest) run with every other probe asked of the same node within
 * PROBE_WINDOW_MS (or while the node's connection comes up), all in one session: a refresh reads each node in one round trip, not one per step. The batch is a
 * script on standard input (no command-line length limit) that runs the commands side by side, each reading
 * /dev/null and writing a file of a private temporary directory on the node, then prints each output framed by
 * markers with a random nonce. A command that fails in the batch runs again alone, so its error is its own.
 * NETLAB_SSH_PROBE_BATCH=0: each probe its own session.
 */
export function probeSsh(c: SshConnection, commandLine: string): Promise<string> {
  if (process.env.NETLAB_SSH_PROBE_BATCH === "0") return runSsh(c, commandLine, undefined);
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  const key = createHash("sha256")
    .update(JSON.stringify([c.host, c.port, c.user, c.hostKey, c.privateKey]))
    .digest("hex");
  return new Promise<string>((resolve, reject) => {
    const batches = probeBatches();
    const pending = batches.get(key);
    if (pending) {
      pending.push({ commandLine, resolve, reject });
      return;
    }
    const batch: PendingProbe[] = [{ commandLine, resolve, reject }];
    batches.set(key, batch);
    // Open for PROBE_WINDOW_MS, and for as long as the node's connection takes to come up (the first probes of a
    // process wait for it anyway): what is asked meanwhile joins the batch.
    const where = `${c.node} (${c.user}@${c.host}:${c.port})`;
    const connected = sshMultiplexing()
      ? agentFor(c.privateKey)
          .then((agent) => masterFor(c, agent, where))
          .catch(() => undefined)
      : undefined;
    const window = new Promise((r) => setTimeout(r, PROBE_WINDOW_MS));
    void Promise.all([connected, window]).then(() => {
      batches.delete(key);
      return runProbes(c, batch);
    });
  });
}

async function runProbes(c: SshConnection, batch: readonly PendingProbe[]): Promise<void> {
  const alone = (p: PendingProbe) => runSsh(c, p.commandLine, undefined).then(p.resolve, p.reject);
  if (batch.length === 1) return alone(batch[0]!);
  const { randomBytes } = require("node:crypto") as typeof import("node:crypto");
  const nonce = `netlab-probe-${randomBytes(12).toString("hex")}`;
  // Every command at once, each into its own file of a private directory on the node, then each framed in turn.
  const script = [
    "d=$(mktemp -d) || exit 1",
    "trap 'rm -rf -- \"$d\"' EXIT",
    ...batch.map((p, i) => `{ ${p.commandLine}\n} </dev/null >"$d/${i}" 2>/dev/null & p${i}=$!`),
    ...batch.map((_, i) => `wait "$p${i}"; s${i}=$?; printf '%s\\n' '${nonce} ${i}'; cat "$d/${i}"; printf '\\n%s %s\\n' '${nonce} ${i}' "$s${i}"`),
    "",
  ].join("\n");
  let out: string;
  try {
    out = await runSsh(c, "bash -s", script);
  } catch {
    // The batch itself failed (the node is unreachable, ...): each probe alone says why.
    await Promise.all(batch.map(alone));
    return;
  }
  await Promise.all(
    batch.map(async (p, i) => {
      const begin = `${nonce} ${i}\n`;
      const start = out.indexOf(begin);
      const end = start < 0 ? -1 : out.indexOf(`\n${nonce} ${i} `, start + begin.length);
      const status = end < 0 ? "" : out.slice(end + nonce.length + String(i).length + 3).split("\n", 1)[0];
      if (status !== "0") return alone(p);
      p.resolve(out.slice(start + begin.length, end));
    }),
  );
}

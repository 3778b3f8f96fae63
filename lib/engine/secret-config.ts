/**
 * Setting stack config without putting a secret on a command line. The Automation API's setConfig/setAllConfig
 * run `pulumi config set ... <value>`: for as long as that runs, any local user can read the value in
 * /proc/<pid>/cmdline. A secret goes to the CLI over standard input instead (`pulumi config set --secret KEY`
 * reads the value from stdin when it is not a terminal).
 */
import type { ConfigMap, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { spawn } from "node:child_process";
import * as path from "node:path";

/** Sets `key` to the secret `value` on `stack`, the value passed over stdin only. */
export async function setSecretConfig(stack: Stack, key: string, value: string): Promise<void> {
  const ws = stack.workspace as LocalWorkspace;
  const command = ws.pulumiCommand.command;
  const env: Record<string, string | undefined> = { ...process.env, ...ws.envVars, PULUMI_AUTOMATION_API: "true" };
  if (path.isAbsolute(command)) env.PATH = `${path.dirname(command)}:${env.PATH ?? ""}`;
  const args = ["config", "set", "--secret", "--non-interactive", "--stack", stack.name, "--", key];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { cwd: ws.workDir, env, stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString("utf8")).slice(-4000);
    });
    child.on("error", (e) => reject(new Error(`pulumi config set --secret ${key}: ${e.message}`)));
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`pulumi config set --secret ${key} (stack ${stack.name}) exited ${code}: ${stderr.trim()}`)),
    );
    child.stdin.on("error", () => {}); // the exit status tells
    // The CLI drops one trailing newline of what it reads: the value is stored exactly.
    child.stdin.end(`${value}\n`);
  });
}

/** setAllConfig for a map that may hold secrets: plain values in one CLI call, each secret over stdin. */
export async function setAllConfigSafely(stack: Stack, config: ConfigMap): Promise<void> {
  const plain = Object.fromEntries(Object.entries(config).filter(([, v]) => !v.secret));
  if (Object.keys(plain).length > 0) await stack.setAllConfig(plain);
  for (const [key, v] of Object.entries(config)) {
    if (v.secret) await setSecretConfig(stack, key, v.value);
  }
}

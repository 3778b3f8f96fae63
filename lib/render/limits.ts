/**
 * A node step runs as one command line (`sudo -n -- bash -c <script> <file> <action>`) that the node's sshd hands
 * to a shell as a single argument: Linux refuses any argument over MAX_ARG_STRLEN (32 pages, 131072 bytes).
 * A plan whose script would not fit is refused before anything runs, naming the step.
 */
import { BenchConfigError, type Problem } from "../spec/problems";
import { shellQuote } from "./shell";

export const MAX_ARG_BYTES = 131072;
/** Room for the sudo/bash words, the file name and the action around the quoted script. */
const OVERHEAD = 512;

export function checkCommandLines(hosts: readonly { node: { name: string }; steps: readonly { file: string; script: string }[] }[]): void {
  const problems: Problem[] = [];
  for (const host of hosts) {
    for (const step of host.steps) {
      const bytes = Buffer.byteLength(shellQuote(step.script)) + OVERHEAD;
      if (bytes > MAX_ARG_BYTES) {
        problems.push({
          field: `hosts.${host.node.name}.${step.file}`,
          message:
            `the step's command line would be ${bytes} bytes, over Linux's ${MAX_ARG_BYTES}-byte limit for one argument; ` +
            "shorten the long values it carries (images.*, network.clusterDomain, nodeRoot)",
        });
      }
    }
  }
  if (problems.length > 0) throw new BenchConfigError(problems, "bench plan");
}

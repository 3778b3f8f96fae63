/** `netlab`: the instructor's command line. A thin entry point over lib/; every command is a function there. */
import { Command, InvalidArgumentError } from "commander";
import { renderCommand } from "./render";
import { BenchConfigError } from "../lib/spec/problems";

const program = new Command("netlab")
  .description("Provision, check and reset Kubernetes networking lab benches")
  .showHelpAfterError();

program
  .command("render")
  .description("Write what `pulumi up` would push to a bench (manifests, netplan, kubeadm, node scripts); touches nothing")
  .option("--room <n>", "room number (10.ROOM.BENCH.x)")
  .option("--bench <n>", "bench number (10.ROOM.BENCH.x)")
  .option("--stack <name>", "use stacks/Pulumi.<name>.yaml")
  .option("--config <file>", "use this stack config file")
  .requiredOption("--out <dir>", "directory to write into")
  .action(renderCommand);

export function integerArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${value} is not an integer`);
  return n;
}

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof BenchConfigError) {
    process.stderr.write(`${e.message}\n`);
  } else {
    process.stderr.write(`netlab: ${(e as Error).stack ?? String(e)}\n`);
  }
  process.exitCode = 1;
});

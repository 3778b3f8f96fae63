/** `netlab`: the instructor's command line. A thin entry point over lib/; every command is a function there. */
import { Command } from "commander";
import { renderCommand } from "./render";
import { fleetCommand } from "./fleet";
import { makeCheckOp, printChecks } from "../lib/check/op";
import { makeFactsOp } from "../lib/facts/op";
import { resetCommand } from "./reset";
import { previewOp, refreshUpOp, upOp } from "../lib/fleet/ops";
import { simDownCommand, simUpCommand } from "./sim";
import { sshCommand } from "./ssh";
import { vmDownCommand, vmStatusCommand, vmUpCommand } from "./vm";
import { BenchConfigError } from "../lib/spec/problems";
import { bundleCommand } from "../lib/bundle/command";

const program = new Command("netlab").description("Provision, check and reset Kubernetes networking lab benches").showHelpAfterError();

program
  .command("render")
  .description("Write what `pulumi up` would push to a bench (manifests, netplan, kubeadm, node scripts); touches nothing")
  .option("--room <n>", "room number (10.ROOM.BENCH.x)")
  .option("--bench <n>", "bench number, or a list of the room's bench stacks (1-8,11) rendered into DIR/<stack>/")
  .option("--stack <name>", "use stacks/Pulumi.<name>.yaml (several, comma-separated, into DIR/<stack>/)")
  .option("--all", "every bench stack under stacks/, into DIR/<stack>/")
  .option("--config <file>", "use this stack config file")
  .requiredOption("--out <dir>", "directory to write into")
  .action(renderCommand);

const sim = program.command("sim").description("The simulated bench: network namespaces with sshd, a real control plane, kwok nodes");
sim
  .command("up")
  .description("Bring up a simulated bench (idempotent), then `pulumi up` its stack and print the bench table")
  .option("--room <n>", "room number", "27")
  .option("--bench <n>", "bench number", "4")
  .option("--no-provision", "only bring up the simulated hosts and control plane")
  .action(simUpCommand);
sim
  .command("down")
  .description("Remove every namespace, process, file and stack state of a simulated bench")
  .option("--room <n>", "room number", "27")
  .option("--bench <n>", "bench number", "4")
  .action(simDownCommand);

const vm = program.command("vm").description("A bench of four real VMs (QEMU) on this machine, on its own bridges, and its stack vm-room<R>-bench<B>");
for (const [name, description, action] of [
  ["up", "Build the base image if needed, boot the four VMs (running ones are kept), pin their host keys, write the stack", vmUpCommand],
  ["status", "Which VMs run, their addresses and the bench's links", vmStatusCommand],
  ["down", "Stop the VMs and remove their taps, bridges, overlays, state and stack", vmDownCommand],
] as const) {
  const cmd = vm.command(name).description(description).option("--room <n>", "room number", "27").option("--bench <n>", "bench number", "42");
  // Like `sim up`: by default the bundle, the VMs, `pulumi up`, the bench table and the checks.
  if (name === "up") {
    cmd.option("--no-provision", "only the VMs and the stack config: no bundle, no pulumi up, no checks");
    cmd.option("--runtime <name>", "the nodes' container runtime: containerd, or docker (Docker Engine behind cri-dockerd)", "containerd");
  }
  cmd.action(action);
}

const selection = (cmd: Command) =>
  cmd
    .option("--stack <names>", "bench stack(s), comma-separated (stacks/Pulumi.<name>.yaml)")
    .option("--room <n>", "room of the benches")
    .option("--bench <list>", "benches of that room, e.g. 1-8,11")
    .option("--all", "every bench stack under stacks/")
    .option("--parallel <n>", "benches at once", "4")
    .option("--json", "machine-readable results on stdout");

selection(program.command("up").description("pulumi up on each selected bench"))
  .option("--refresh", "read each bench's state back first, so up repairs the drift a preview shows")
  .action((o) => fleetCommand("up", o.refresh ? refreshUpOp : upOp, o));
const preview = program.command("preview").description("refresh preview on each selected bench: what drifted (up --refresh repairs it); changes nothing");
selection(preview).action((o) => fleetCommand("preview", previewOp, o));
selection(program.command("check").description("the handout's observations on each selected bench, as named checks with evidence")).action((o) =>
  fleetCommand(
    "check",
    makeCheckOp((d) => (o.json ? undefined : printChecks(d.stack, d.results, (t) => process.stdout.write(t)))),
    o,
  ),
);
selection(program.command("reset").description("archive what students left, then reset each selected bench (workloads, cluster or hosts)"))
  .option("--level <level>", "workloads (default): lab objects and files; cluster: kubeadm reset and rebuild; hosts: also the host configuration", "workloads")
  .option("--dry-run", "list what would be archived and deleted; change nothing")
  .option("--yes", "do not ask for confirmation")
  .option(
    "--discard-unarchived",
    "cluster and hosts: destroy what cannot be archived (kinds that cannot be listed, objects made after the archive) instead of refusing",
  )
  .action(resetCommand);
selection(program.command("facts").description("each selected bench's answer key (node table, pod IPs, MACs, veths, gateways, ClusterIPs, TTLs)"))
  .option("--out <dir>", "write <dir>/<bench>.md and <dir>/<bench>.json")
  .option(
    "--errata",
    "also the students' errata sheet (handout commands that fail on the bench, with the bench's values): printed, and written as " +
      "<dir>/<bench>-errata.md with --out",
  )
  .action((o) => fleetCommand("facts", makeFactsOp(o.out, { errata: Boolean(o.errata), print: o.json ? undefined : (t) => process.stdout.write(t) }), o));

program
  .command("ssh")
  .description("Run one command on one node of a bench (the stack's key, the node's pinned host key); prints its output")
  .requiredOption("--stack <name>", "the bench's stack")
  .option("--root", "run it as root (sudo -n when the stack logs in as another user)")
  .argument("<node>", "controller, compute1, compute2 or compute3")
  .argument("<command...>", "the command and its arguments (after --)")
  .action((node: string, argv: string[], o) => sshCommand(node, argv, o));

program
  .command("bundle")
  .description("Build the air-gapped node bundle (binaries, debs, images) into the cache; prints its directory")
  .option("--verify", "also import every image into a throw-away containerd and run some of them")
  .action(bundleCommand);

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof BenchConfigError) {
    process.stderr.write(`${e.message}\n`);
  } else {
    process.stderr.write(`netlab: ${(e as Error).stack ?? String(e)}\n`);
  }
  process.exitCode = 1;
});

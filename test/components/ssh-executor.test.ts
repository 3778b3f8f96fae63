/** The "ssh" executor (sim target default): SshStep resources with the same steps, secret connection. */
import { beforeAll, describe, expect, it } from "vitest";
import type { Bench as BenchType } from "../../components/bench";
import { planBench } from "../../lib/render/plan";
import { HOST_KEY, specFor } from "../helpers/spec";
import { installMocks, secretOf, settle, valueOf, type Recorded } from "../helpers/mocks";

let recorded: Recorded[];
let bench: BenchType;
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

beforeAll(async () => {
  recorded = await installMocks();
  const pulumi = await import("@pulumi/pulumi");
  const { Bench } = await import("../../components/bench");
  const spec = specFor(27, 4, { target: "sim", simRoot: "/tmp/sim-x", ssh: { user: "root" } });
  expect(spec.remoteExecutor).toBe("ssh");
  bench = new Bench("room27-bench4", { plan: planBench(spec), privateKey: pulumi.secret("PRIVATE-KEY-TEXT") });
  await valueOf(bench.webserverClusterIp);
  await settle();
});

describe("ssh executor under mocks", () => {
  it("registers one SshStep per step, none of @pulumi/command", () => {
    const steps = recorded.filter((r) => r.type === "pulumi-nodejs:dynamic/netlab:SshStep");
    expect(steps).toHaveLength(21);
    expect(recorded.filter((r) => r.type === "command:remote:Command")).toHaveLength(0);
  });

  it("keeps the connection (with the private key) secret and pins the host key", async () => {
    const base = recorded.find((r) => r.name === "room27-bench4-compute1-base-os")!;
    expect(base.inputs.connection[SECRET_SIG]).toBeDefined();
    expect(base.inputs.connection.value).toMatchObject({ node: "compute1", host: "192.168.4.22", port: 22, user: "root", hostKey: HOST_KEY });
    expect(base.inputs.create).toMatch(/^bash -c /);
    expect(base.inputs.triggers[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(await secretOf(bench.cluster.kubeconfig)).toBe(true);
  });

  it("bench target defaults to @pulumi/command, and the executor is configurable", () => {
    expect(specFor(27, 4).remoteExecutor).toBe("command");
    expect(specFor(27, 4, { remoteExecutor: "ssh" }).remoteExecutor).toBe("ssh");
  });
});

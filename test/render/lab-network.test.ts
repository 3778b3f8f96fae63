/**
 * The lab-network step (scripts/node/70-lab-network.sh) run under bash as on a bench, with fake ip, ipvsadm, curl
 * and crictl: it waits for the node's network as the handout shows it, restarts the container that owns what is
 * missing, and fails naming what never came. Limits of 0 s make each wait a single look.
 */
import { describe, expect, it } from "vitest";
import { planBench } from "../../lib/render/plan";
import { StepKind } from "../../lib/render/steps";
import { FakeNode } from "../helpers/fake-node";
import { specFor } from "../helpers/spec";

const plan = planBench(specFor(30, 7));
const step = plan.hosts.compute2.steps.find((s) => s.kind === StepKind.LabNetwork)!;
const ROUTES = ["10.233.64.0/24 via 10.30.7.12", "10.233.65.0/24 via 10.30.7.22", "10.233.67.0/24 via 10.30.7.42"];
const GONE = "10.233.65.0/24";

/**
 * compute2 as kube-router, kube-proxy and nodelocaldns leave it, except that the route to GONE is missing while
 * the file .gone exists; stopping a kube-router container (crictl) brings it back, as a restarted kube-router does.
 */
function compute2(o: { mode?: string } = {}): FakeNode {
  const node = new FakeNode("lab-network");
  const gone = `${node.root}/.gone`;
  return node
    .fake(
      "ip",
      [
        'case "$*" in',
        `"-4 route show ${GONE} proto 17") [ -e '${gone}' ] || echo "${ROUTES[1]} dev enp1s0f2 proto 17" ;;`,
        `"-4 route show "*) printf '%s\\n' '${ROUTES.join("' '")}' | grep "^$4 " | sed 's/$/ dev enp1s0f2 proto 17/' ;;`,
        '"link show "*) exit 0 ;;',
        '"-4 -o addr show dev kube-bridge") echo "5: kube-bridge    inet 10.233.66.1/24 scope global kube-bridge" ;;',
        '"-4 -o addr show dev nodelocaldns") echo "6: nodelocaldns    inet 169.254.25.10/32 scope global nodelocaldns" ;;',
        "esac",
      ].join("\n"),
    )
    .fake("ipvsadm")
    .fake("curl", `echo ${o.mode ?? "ipvs"}`)
    .fake("crictl", `case "$1" in\nps) echo c0ffee ;;\nstop) rm -f '${gone}' ;;\nesac`);
}

const once = "NETLAB_VIEW_GRACE=0\nNETLAB_VIEW_TIMEOUT=0\n";

describe("lab-network step (compute2)", () => {
  it("expects the routes to the other nodes' prefixes, kube-bridge with compute2's gateway, nodelocaldns and IPVS", () => {
    expect(step.expect).toMatchObject({
      [`route:${GONE}`]: "via 10.30.7.22",
      "kube-bridge": "10.233.66.1/24",
      "link:nodelocaldns": "169.254.25.10/32",
      "ipvs:10.233.0.1:443": "present",
      "kube-proxy-mode": "ipvs",
    });
    const node = compute2();
    const check = node.run(step.script, "check");
    expect(check.status, check.stderr).toBe(0);
    for (const [key, value] of Object.entries(step.expect)) expect(check.stdout).toContain(`${key}=${value}\n`);
    const converged = node.run(step.script, `${once}create`);
    expect(converged.status, converged.stderr).toBe(0);
    expect(
      node.calls().filter((c) => c.startsWith("crictl")),
      "nothing restarted on a node that shows it all",
    ).toEqual([]);
  });

  it("gives kube-proxy's /proxyMode 3 s on hardware and timeouts.scale times that on slow benches", () => {
    const slow = planBench(specFor(30, 7, { timeouts: { scale: 10 } })).hosts.compute2.steps.find((s) => s.kind === StepKind.LabNetwork)!;
    for (const [s, seconds] of [
      [step, 3],
      [slow, 30],
    ] as const) {
      const node = compute2();
      expect(node.run(s.script, "check").status).toBe(0);
      expect(
        node.calls().filter((c) => c.startsWith("curl")),
        `scale ${seconds / 3}`,
      ).toEqual([`curl -fsS --max-time ${seconds} http://127.0.0.1:10249/proxyMode`]);
    }
  });

  it("restarts kube-router when a route is missing, and passes once the route is back", () => {
    const node = compute2();
    const run = node.run(step.script, `: >'${node.root}/.gone'\n${once}create`);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain(`route:${GONE}=via 10.30.7.22 found=missing`);
    expect(node.calls().filter((c) => c.startsWith("crictl"))).toEqual(["crictl ps --state running --name ^kube-router$ -q", "crictl stop c0ffee"]);
  });

  it("fails naming what is still missing, after restarting its owner (kube-proxy for its mode)", () => {
    const node = compute2({ mode: "iptables" });
    const run = node.run(step.script, `${once}create`);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("restarting kube-proxy");
    expect(run.stderr).toContain("kube-proxy-mode=ipvs found=iptables");
    expect(node.calls()).not.toContain("crictl ps --state running --name ^kube-router$ -q");
  });
});

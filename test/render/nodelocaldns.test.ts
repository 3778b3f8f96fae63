/**
 * nodelocaldns as the handout's §3.1 reads it: the ConfigMap binds 169.254.25.10 and forwards to the ClusterIP of
 * a Service named `coredns` in kube-system; node-cache's health port is the Corefile's (its NOTRACK rules and
 * the probes use it).
 */
import { describe, expect, it } from "vitest";
import { parseCorefile } from "../../lib/check/parse";
import {
  COREDNS_SERVICE,
  NODELOCALDNS_HEALTH_PORT,
  corednsServiceIp,
  nodeLocalDnsArgs,
  nodeLocalDnsCorefile,
  nodeLocalDnsObjects,
} from "../../lib/render/nodelocaldns";
import { contains } from "../../lib/spec/network";
import { specFor } from "../helpers/spec";

const spec = specFor(27, 4);
const objects = nodeLocalDnsObjects(spec);
const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
const container = find("DaemonSet", "nodelocaldns").spec.template.spec.containers[0];
/** node-cache's flags that netlab's node-cache image implements (upstream's names). */
const NODE_CACHE_FLAGS = ["-localip", "-conf", "-upstreamsvc", "-health-port", "-setupinterface", "-setupiptables", "-skipteardown", "-interfacename"];

/** The flag -> value pairs of an argument list in node-cache's "-flag value" form. */
function flagValues(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) out[args[i]!] = args[i + 1]!;
  return out;
}

describe("the coredns Service", () => {
  const svc = find("Service", COREDNS_SERVICE);

  it("selects kubeadm's CoreDNS pods in kube-system on 53/udp, 53/tcp and 9153/tcp", () => {
    expect(svc.metadata.namespace).toBe("kube-system");
    expect(svc.spec.selector).toEqual({ "k8s-app": "kube-dns" });
    expect(svc.spec.ports.map((p: { port: number; protocol: string }) => `${p.port}/${p.protocol}`)).toEqual(["53/UDP", "53/TCP", "9153/TCP"]);
  });

  it("sits at the service subnet's 3rd address (Kubespray's), neither kubernetes (1st) nor kube-dns (10th)", () => {
    expect(svc.spec.clusterIP).toBe("10.233.0.3");
    expect(corednsServiceIp(spec)).toBe("10.233.0.3");
    expect([spec.network.kubernetesServiceIp, spec.network.corednsIp]).not.toContain(svc.spec.clusterIP);
    const other = specFor(30, 7, { network: { serviceSubnet: "10.96.0.0/16" } });
    expect(corednsServiceIp(other)).toBe("10.96.0.3");
    expect(contains(other.network.serviceSubnet, corednsServiceIp(other))).toBe(true);
  });
});

describe("the nodelocaldns ConfigMap", () => {
  const corefile: string = find("ConfigMap", "nodelocaldns").data.Corefile;

  it("is the rendered Corefile, binding 169.254.25.10 and forwarding the cluster's zones to the coredns Service's ClusterIP", () => {
    expect(corefile).toBe(nodeLocalDnsCorefile(spec));
    const blocks = parseCorefile(corefile);
    for (const zone of ["cluster.local", "in-addr.arpa", "ip6.arpa"]) {
      const b = blocks.find((x) => x.zone === zone)!;
      expect(b.directives).toContainEqual(["bind", "169.254.25.10"]);
      expect(b.directives.find((d) => d[0] === "forward")).toEqual(["forward", ".", find("Service", COREDNS_SERVICE).spec.clusterIP]);
    }
    expect(blocks.find((x) => x.zone === ".")!.directives.find((d) => d[0] === "forward")).toEqual(["forward", ".", "/etc/resolv.conf"]);
    expect(corefile).not.toContain(spec.network.corednsIp);
  });
});

describe("node-cache", () => {
  const args: string[] = container.args;

  it("gets only flags netlab's node-cache implements, each with a value", () => {
    expect(args).toEqual(nodeLocalDnsArgs(spec));
    expect(args.length % 2).toBe(0);
    for (const flag of Object.keys(flagValues(args))) expect(NODE_CACHE_FLAGS, flag).toContain(flag);
    expect(flagValues(args)).toMatchObject({ "-localip": "169.254.25.10", "-conf": "/etc/coredns/Corefile", "-upstreamsvc": COREDNS_SERVICE });
  });

  it("is told the health port the Corefile's health plugin listens on, which the probes use", () => {
    const health = parseCorefile(nodeLocalDnsCorefile(spec))
      .flatMap((b) => b.directives)
      .filter((d) => d[0] === "health");
    expect(health).toEqual([["health", `169.254.25.10:${NODELOCALDNS_HEALTH_PORT}`]]);
    expect(flagValues(args)["-health-port"]).toBe(String(NODELOCALDNS_HEALTH_PORT));
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      expect(probe.httpGet).toMatchObject({ host: "169.254.25.10", port: NODELOCALDNS_HEALTH_PORT, path: "/health" });
    }
  });
});

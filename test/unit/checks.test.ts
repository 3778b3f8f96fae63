/** The handout's checks as pure functions of gathered facts: pass, fail and not-observable cases, with evidence. */
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { ChecksFailedError, checksTable } from "../../lib/check/op";
import { CHECK_NAMES, type CheckFacts, type CheckResult } from "../../lib/check/checks";
import { evaluateChecks } from "../../lib/check/evaluate";
import { oneLine } from "../../lib/check/observation";
import { parseCorefile, parseIpvs, parsePodLink, parseResolvConf, parseRoutes } from "../../lib/check/parse";
import { runFleet } from "../../lib/fleet/run";
import { kubeletConfig } from "../../lib/render/kubeadm";
import { nodeLocalDnsCorefile } from "../../lib/render/nodelocaldns";
import { bench, IPVS, perNode, RESOLV, routesOn, spec, VIP, WEB } from "../helpers/check-facts";

/** Facts gathered as ones that cannot be seen where they were gathered. */
const UNSEEN = "cannot be seen here: no containers";
function unseen(): CheckFacts {
  const hidden = { unobservable: UNSEEN };
  return {
    ...bench(),
    routes: perNode(() => hidden),
    curlFromClient2: hidden,
    resolvConfs: { "client-1": hidden, "client-2": hidden },
    ipvs: perNode(() => hidden),
  };
}

const byName = (results: CheckResult[], name: string) => results.find((r) => r.name === name)!;
const check = (f: CheckFacts, name: (typeof CHECK_NAMES)[number]) => byName(evaluateChecks(f), name);
const statuses = (f: CheckFacts) => Object.fromEntries(evaluateChecks(f).map((r) => [r.name, r.status]));

describe("a healthy bench", () => {
  it("passes every check, in the handout's order, with evidence", () => {
    const results = evaluateChecks(bench());
    expect(results.map((r) => r.name)).toEqual([...CHECK_NAMES]);
    expect(results.filter((r) => r.status !== "pass")).toEqual([]);
    expect(byName(results, "nodes-ready").evidence).toBe("controller, compute1, compute2, compute3 Ready");
    expect(byName(results, "pod-prefix-routes").evidence).toContain("10.233.65.0/24 via 10.27.4.22");
    expect(byName(results, "client-placement").evidence).toBe(
      `${WEB} on compute1, client-1 on compute1, client-2 on compute2: client-1 shares webserver-1's node, client-2 does not`,
    );
    expect(byName(results, "webserver-service-endpoint").evidence).toBe(`ClusterIP ${VIP} (in 10.233.0.0/18) -> ready endpoint 10.233.65.2 = ${WEB}`);
    expect(byName(results, "curl-service-from-client-2").evidence).toContain("got webserver-1's page");
    expect(byName(results, "kubelet-cluster-dns").evidence).toBe("clusterDNS 169.254.25.10 in kubelet-config.yaml on controller, compute1, compute2, compute3");
    expect(byName(results, "pod-resolv-conf").evidence).toBe("nameserver 169.254.25.10 first in /etc/resolv.conf of client-1, client-2");
    expect(byName(results, "nodelocaldns-config").evidence).toBe(
      "cluster.local:53 binds 169.254.25.10 and forwards to 10.233.0.3, the coredns Service's ClusterIP",
    );
    expect(byName(results, "ipvs-webserver-service").evidence).toBe(`TCP ${VIP}:8000 -> 10.233.65.2:8000 on controller, compute1, compute2, compute3`);
  });
});

describe("facts that cannot be seen", () => {
  it("pass what can be seen and say not-observable for the rest, never pass or fail", () => {
    expect(statuses(unseen())).toEqual({
      "nodes-ready": "pass",
      "pod-prefix-routes": "not-observable",
      "client-placement": "pass",
      "webserver-service-endpoint": "pass",
      "curl-service-from-client-2": "not-observable",
      "kubelet-cluster-dns": "pass",
      "pod-resolv-conf": "not-observable",
      "nodelocaldns-config": "pass",
      "ipvs-webserver-service": "not-observable",
    });
    expect(check(unseen(), "pod-prefix-routes").evidence).toBe(`${UNSEEN} [controller, compute1, compute2, compute3]`);
    expect(check(unseen(), "pod-resolv-conf").evidence).toBe(`${UNSEEN} [client-1, client-2]`);
  });

  it("still fails an observable check, and an error beats not-observable", () => {
    const f = { ...unseen(), routes: { ...unseen().routes, compute2: { error: "compute2 (user@192.168.4.32:22): ssh connection failed: timeout" } } };
    expect(check(f, "pod-prefix-routes")).toEqual({
      name: "pod-prefix-routes",
      status: "fail",
      evidence: "compute2: compute2 (user@192.168.4.32:22): ssh connection failed: timeout",
    });
  });
});

describe("each check fails with evidence naming what is wrong", () => {
  it("1 nodes-ready: a NotReady node, a missing one", () => {
    const f = bench();
    const nodes = f.cluster.nodes.filter((n) => n.name !== "compute3").map((n) => (n.name === "compute2" ? { ...n, ready: false } : n));
    expect(check({ ...f, cluster: { ...f.cluster, nodes } }, "nodes-ready")).toEqual({
      name: "nodes-ready",
      status: "fail",
      evidence: "missing: compute3; not Ready: compute2",
    });
  });

  it("2 pod-prefix-routes: a missing route and a wrong next hop", () => {
    const f = bench();
    const routes = {
      ...f.routes,
      compute2: { value: routesOn("compute2").replace(/^10\.233\.64\.0\/24.*\n/m, "") },
      compute3: { value: routesOn("compute3").replace("via 10.27.4.22", "via 10.27.4.99") },
    };
    const r = check({ ...f, routes }, "pod-prefix-routes");
    expect(r.status).toBe("fail");
    expect(r.evidence).toBe("compute2: no route to 10.233.64.0/24 (controller); compute3: 10.233.65.0/24 (compute1) via 10.27.4.99, expected via 10.27.4.22");
  });

  it("3 client-placement: client-2 on the webserver's node; client-1 elsewhere; a Pending pod", () => {
    const f = bench();
    const moved = f.cluster.pods.map((p) => (p.name === "client-2" ? { ...p, node: "compute1" } : p));
    expect(check({ ...f, cluster: { ...f.cluster, pods: moved } }, "client-placement").evidence).toBe(
      `client-2 on compute1, the webserver's node: must be another node [${WEB} on compute1, client-1 on compute1, client-2 on compute1]`,
    );
    const c1 = f.cluster.pods.map((p) => (p.name === "client-1" ? { ...p, node: "compute3" } : p));
    expect(check({ ...f, cluster: { ...f.cluster, pods: c1 } }, "client-placement").evidence).toMatch(
      /^client-1 on compute3, webserver-1 on compute1: must be the same node/,
    );
    const pending = f.cluster.pods.map((p) => (p.name === "client-2" ? { ...p, node: "", phase: "Pending", ip: "" } : p));
    const r = check({ ...f, cluster: { ...f.cluster, pods: pending } }, "client-placement");
    expect(r.status).toBe("fail");
    expect(r.evidence).toMatch(/^client-2 is Pending \(not scheduled\)/);
    const gone = f.cluster.pods.filter((p) => p.name !== "client-1");
    expect(check({ ...f, cluster: { ...f.cluster, pods: gone } }, "client-placement").evidence).toMatch(/^no pod client-1/);
  });

  it("4 webserver-service-endpoint: wrong endpoint, no endpoint, ClusterIP outside the service subnet", () => {
    const f = bench();
    expect(check({ ...f, cluster: { ...f.cluster, webserverEndpoints: ["10.233.66.7"] } }, "webserver-service-endpoint").evidence).toBe(
      "ready endpoints [10.233.66.7], expected webserver-1's pod IP [10.233.65.2]",
    );
    expect(check({ ...f, cluster: { ...f.cluster, webserverEndpoints: [] } }, "webserver-service-endpoint").evidence).toBe(
      "ready endpoints [none], expected webserver-1's pod IP [10.233.65.2]",
    );
    expect(check({ ...f, cluster: { ...f.cluster, webserverClusterIp: "10.96.0.20" } }, "webserver-service-endpoint").evidence).toBe(
      "ClusterIP 10.96.0.20 is not in the service subnet 10.233.0.0/18",
    );
    expect(check({ ...f, cluster: { ...f.cluster, webserverClusterIp: "" } }, "webserver-service-endpoint").status).toBe("fail");
  });

  it("5 curl-service-from-client-2: curl fails, or answers something else", () => {
    const f = bench();
    const timedOut = "kubectl -n default exec client-2 -- curl ...: curl: (28) Connection timed out after 10001 milliseconds";
    expect(check({ ...f, curlFromClient2: { error: timedOut } }, "curl-service-from-client-2")).toEqual({
      name: "curl-service-from-client-2",
      status: "fail",
      evidence: `client-2: ${timedOut}`,
    });
    expect(check({ ...f, curlFromClient2: { value: "404 Not Found" } }, "curl-service-from-client-2").evidence).toBe(
      'client-2: curl webserver-service-1:8000 answered without webserver-1\'s page: "404 Not Found"',
    );
  });

  it("6a kubelet-cluster-dns: CoreDNS instead of nodelocaldns, an unreadable file", () => {
    const f = bench();
    const coredns = stringify({ ...kubeletConfig(spec), clusterDNS: ["10.233.0.10"] });
    const unreadable = "controller (user@192.168.4.12:22): step exited 1: cat: /etc/kubernetes/kubelet-config.yaml: No such file or directory";
    const r = check({ ...f, kubeletConfigs: { ...f.kubeletConfigs, compute3: { value: coredns }, controller: { error: unreadable } } }, "kubelet-cluster-dns");
    expect(r.status).toBe("fail");
    expect(r.evidence).toBe(`controller: ${unreadable}; compute3: clusterDNS [10.233.0.10], expected 169.254.25.10 first`);
    expect(check({ ...f, kubeletConfigs: { ...f.kubeletConfigs, compute1: { value: "clusterDNS: [unclosed" } } }, "kubelet-cluster-dns").evidence).toMatch(
      /^compute1: kubelet-config.yaml not valid YAML/,
    );
  });

  it("6b pod-resolv-conf: a pod resolving through CoreDNS directly", () => {
    const f = bench();
    const r = check({ ...f, resolvConfs: { ...f.resolvConfs, "client-2": { value: "nameserver 10.233.0.10\n" } } }, "pod-resolv-conf");
    expect(r).toEqual({ name: "pod-resolv-conf", status: "fail", evidence: "client-2: first nameserver 10.233.0.10, expected 169.254.25.10" });
  });

  it("7 nodelocaldns-config: forwards elsewhere (kube-dns's address too), binds elsewhere, no coredns Service, no ConfigMap", () => {
    const f = bench();
    const core = nodeLocalDnsCorefile(spec);
    // kubeadm's kube-dns reaches the same pods, but the handout compares with the coredns Service.
    const other = core.replace("forward . 10.233.0.3 {", "forward . 10.233.0.10 {");
    expect(check({ ...f, nodeLocalDnsCorefile: { value: other } }, "nodelocaldns-config").evidence).toBe(
      "nodelocaldns: cluster.local:53 forwards to [10.233.0.10], but the coredns Service's ClusterIP is 10.233.0.3",
    );
    const bind = core.replace("bind 169.254.25.10", "bind 169.254.20.10");
    expect(check({ ...f, nodeLocalDnsCorefile: { value: bind } }, "nodelocaldns-config").evidence).toBe(
      "nodelocaldns: cluster.local:53 binds [169.254.20.10], expected 169.254.25.10",
    );
    expect(check({ ...f, corednsClusterIp: "" }, "nodelocaldns-config").evidence).toBe(
      "nodelocaldns: kube-system has no coredns Service to compare with (the handout looks for its ClusterIP)",
    );
    const notFound = 'kubectl -n kube-system get configmap nodelocaldns -o json: Error from server (NotFound): configmaps "nodelocaldns" not found';
    expect(check({ ...f, nodeLocalDnsCorefile: { error: notFound } }, "nodelocaldns-config").status).toBe("fail");
    expect(check({ ...f, nodeLocalDnsCorefile: { value: ".:53 {\n    forward . /etc/resolv.conf\n}\n" } }, "nodelocaldns-config").evidence).toBe(
      "nodelocaldns: Corefile has no cluster.local server block",
    );
  });

  it("8 ipvs-webserver-service: no virtual service, or the wrong pod behind it", () => {
    const f = bench();
    const noVip = IPVS.replace(`TCP  ${VIP}:8000 rr\n  -> 10.233.65.2:8000             Masq    1      0          0\n`, "");
    const stale = IPVS.replace("10.233.65.2:8000", "10.233.67.9:8000");
    const r = check({ ...f, ipvs: { ...f.ipvs, compute2: { value: noVip }, compute3: { value: stale } } }, "ipvs-webserver-service");
    expect(r.status).toBe("fail");
    expect(r.evidence).toBe(`compute2: no virtual service TCP ${VIP}:8000; compute3: TCP ${VIP}:8000 -> [10.233.67.9:8000], expected 10.233.65.2:8000`);
  });
});

describe("parsers", () => {
  it("read the handout commands' output", () => {
    expect(
      parseRoutes("10.233.65.0/24 via 10.27.4.22 dev enp1s0f2 proto 17\n10.233.64.0/24 dev kube-bridge proto kernel scope link src 10.233.64.1\n"),
    ).toEqual([
      { prefix: "10.233.65.0/24", via: "10.27.4.22", dev: "enp1s0f2" },
      { prefix: "10.233.64.0/24", via: "", dev: "kube-bridge" },
    ]);
    expect(parseIpvs(IPVS).map((s) => `${s.protocol} ${s.address}:${s.port} -> ${s.realServers.map((r) => `${r.address}:${r.port}`).join(",")}`)).toEqual([
      "TCP 10.233.0.1:443 -> 10.27.4.12:6443",
      "TCP 10.233.0.3:53 -> 10.233.64.2:53",
      "TCP 10.233.0.10:53 -> 10.233.64.2:53",
      `TCP ${VIP}:8000 -> 10.233.65.2:8000`,
      "UDP 10.233.0.10:53 -> 10.233.64.2:53",
    ]);
    const blocks = parseCorefile(nodeLocalDnsCorefile(spec));
    expect(blocks.map((b) => b.key)).toEqual(["cluster.local:53", "in-addr.arpa:53", "ip6.arpa:53", ".:53"]);
    expect(blocks[0]!.directives.find((d) => d[0] === "forward")).toEqual(["forward", ".", "10.233.0.3"]);
    expect(parseResolvConf(RESOLV)).toEqual(["169.254.25.10"]);
    const link = parsePodLink(
      [
        "eth0=3: eth0@if21: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default " +
          "\\    link/ether 0a:58:0a:e9:41:02 brd ff:ff:ff:ff:ff:ff link-netnsid 0",
        "host=1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000" +
          "\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
        "host=21: vethaffb9729@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master kube-bridge state UP mode DEFAULT group default " +
          "\\    link/ether 3e:cb:16:5a:1d:6d brd ff:ff:ff:ff:ff:ff link-netnsid 3",
      ].join("\n"),
    );
    expect(link).toEqual({ mac: "0a:58:0a:e9:41:02", peerIndex: 21, veth: "vethaffb9729" });
    expect(parsePodLink("")).toBeUndefined();
  });
});

describe("the check op's failure", () => {
  it("names the failed checks in the one line the fleet runner keeps, and prints a table", async () => {
    const f = bench();
    const pods = f.cluster.pods.map((p) => (p.name === "client-2" ? { ...p, node: "compute1" } : p));
    const results = evaluateChecks({ ...f, cluster: { ...f.cluster, pods }, corednsClusterIp: "10.233.0.10" });
    const data = { stack: "room27-bench4", benchId: "room27-bench4", results };
    const [r] = await runFleet(["room27-bench4"], async () => {
      throw new ChecksFailedError(data);
    });
    expect(r!.outcome).toBe("failed");
    expect(r!.detail).toMatch(/^2 checks failed: client-placement, nodelocaldns-config \(client-placement: client-2 on compute1/);
    const t = checksTable("room27-bench4", results);
    expect(t.split("\n")[0]).toBe("bench room27-bench4: 7 pass, 2 fail, 0 not observable");
    expect(t).toMatch(/^3 +client-placement +fail +client-2 on compute1/m);
  });
});

describe("an observation's error line", () => {
  it("keeps what ran and why it failed when a long error is cut to 300 characters", () => {
    const command = `Command failed: kubectl --kubeconfig=/tmp/netlab-kc-x/config -n default exec client-2 -- ${"curl -sS ".repeat(20)}`;
    const line = oneLine(new Error(`${command}\nerror: unable to upgrade connection: TLS handshake timeout\n`));
    expect(line.length).toBeLessThanOrEqual(300);
    expect(line.startsWith("Command failed: kubectl")).toBe(true);
    expect(line.endsWith("| error: unable to upgrade connection: TLS handshake timeout")).toBe(true);
    expect(oneLine("short\n  two lines ")).toBe("short | two lines");
  });
});

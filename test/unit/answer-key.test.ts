/** The instructor's answer key from gathered facts: addresses, MACs, veths, gateways, ClusterIPs, TTLs; JSON and Markdown. */
import { describe, expect, it } from "vitest";
import { buildAnswerKey } from "../../lib/facts/answer-key";
import { toJson, toMarkdown } from "../../lib/facts/answer-key-format";
import { bench, spec, VIP, WEB } from "../helpers/check-facts";

describe("answer key", () => {
  const f = bench();
  const rows = spec.nodes.map((n) => ({ name: n.name, role: n.role, providerIp: n.provider.address, managementIp: n.management.address, podCidr: n.podCidr }));
  const link = (mac: string, veth: string, index: number) => ({ value: { mac, veth, peerIndex: index } });

  it("on a real bench: addresses, MACs, veths, gateways = prefix .1, ClusterIPs and TTLs", () => {
    const input = () => ({
      benchId: spec.id,
      stack: "room27-bench4",
      nodeRows: rows,
      cluster: f.cluster,
      kubeDnsClusterIp: "10.233.0.10",
      corednsClusterIp: "10.233.0.3",
      containerRuntime: spec.containerRuntime,
      links: {
        [WEB]: link("0a:58:0a:e9:41:02", "veth1111aaaa", 21),
        "client-1": link("0a:58:0a:e9:41:03", "veth2222bbbb", 22),
        "client-2": link("0a:58:0a:e9:42:02", "veth3333cccc", 9),
      },
    });
    const key = buildAnswerKey(input());
    expect(key.nodes.map((n) => [n.name, n.providerIp, n.managementIp, n.podCidr, n.kubeBridgeIp])).toEqual([
      ["controller", "10.27.4.12", "192.168.4.12", "10.233.64.0/24", "10.233.64.1"],
      ["compute1", "10.27.4.22", "192.168.4.22", "10.233.65.0/24", "10.233.65.1"],
      ["compute2", "10.27.4.32", "192.168.4.32", "10.233.66.0/24", "10.233.66.1"],
      ["compute3", "10.27.4.42", "192.168.4.42", "10.233.67.0/24", "10.233.67.1"],
    ]);
    expect(key.pods.map((p) => [p.role, p.name, p.ip, p.node, p.mac, p.veth, p.defaultGateway, p.notes])).toEqual([
      ["webserver-1", WEB, "10.233.65.2", "compute1", { value: "0a:58:0a:e9:41:02" }, { value: { name: "veth1111aaaa", index: 21 } }, "10.233.65.1", []],
      ["client-1", "client-1", "10.233.65.3", "compute1", { value: "0a:58:0a:e9:41:03" }, { value: { name: "veth2222bbbb", index: 22 } }, "10.233.65.1", []],
      ["client-2", "client-2", "10.233.66.2", "compute2", { value: "0a:58:0a:e9:42:02" }, { value: { name: "veth3333cccc", index: 9 } }, "10.233.66.1", []],
    ]);
    expect(key.clusterIps).toEqual({ webserverService1: VIP, kubeDns: "10.233.0.10", coredns: "10.233.0.3" });
    // kube-bridge gets its address with the node's first pod: the controller and compute3 run no lab pod.
    expect(key.nodes.map((n) => [n.name, n.kubeBridgeAddressed])).toEqual([
      ["controller", "only once a pod runs there"],
      ["compute1", "yes"],
      ["compute2", "yes"],
      ["compute3", "only once a pod runs there"],
    ]);
    expect(key.ttls.map((t) => [t.from, t.to, t.ttl])).toEqual([
      ["client-1", "webserver-1 (pod IP)", 64],
      ["client-2", "webserver-1 (pod IP)", 62],
      ["client-2", "webserver-service-1 (ClusterIP)", 62],
      ["client-2", "webserver-service-1 (ClusterIP)", 64],
    ]);
    // The pings students run target webserver-1's pod IP twice and the ClusterIP once; curl is no ping.
    const web = key.pods.find((p) => p.role === "webserver-1")!;
    expect(key.ttls.map((t) => t.ping)).toEqual([web.ip, web.ip, undefined, VIP]);
    const md = toMarkdown(key);
    expect(md).toContain("| client-2 | client-2 | compute2 | 10.233.66.2 | 0a:58:0a:e9:42:02 | veth3333cccc (if9) | 10.233.66.1 |");
    expect(md).toContain("| compute1 | worker | 10.27.4.22 | 192.168.4.22 | 10.233.65.0/24 | 10.233.65.1 | yes |");
    expect(md).toContain("| controller | control-plane | 10.27.4.12 | 192.168.4.12 | 10.233.64.0/24 | 10.233.64.1 | only once a pod runs there |");
    expect(md).toContain("| kube-system/coredns (nodelocaldns forwards here, §3.1) | 10.233.0.3 |");
    expect(md).toContain("## Container runtime: containerd");
    const pidRow =
      "| a container's PID (then `sudo nsenter -t PID -n ...`) | " + "`sudo crictl inspect --output go-template --template '{{.info.pid}}' CONTAINER-ID` |";
    expect(md).toContain(pidRow);
    const docker = buildAnswerKey({ ...input(), containerRuntime: "docker" });
    expect(docker.runtime).toMatchObject({ name: "docker", containerPid: "sudo docker inspect --format '{{ .State.Pid }}' CONTAINER-ID" });
    expect(toMarkdown(docker)).toContain("`sudo docker ps --format 'table {{.Image}}\\t{{.Command}}\\t{{.Names}}'`");
    expect(md).toMatch(/\*\*same node \(2\.1\)\*\*: .*bridged/);
    expect(md).toMatch(/\*\*different nodes \(2\.2\)\*\*: Routed twice: compute2 .*compute1/);
    expect(JSON.parse(toJson(key))).toEqual(JSON.parse(JSON.stringify(key)));
  });

  it("MAC and veth not gathered: the error shown; impossible pod addresses are called out", () => {
    const hidden = { error: "compute1: no network namespace on this node has 10.233.65.1 on eth0" };
    const pods = f.cluster.pods.map((p) => (p.name === "client-2" ? { ...p, ip: "10.233.66.0" } : p.name === WEB ? { ...p, ip: "10.233.65.1" } : p));
    const key = buildAnswerKey({
      benchId: spec.id,
      stack: "sim-room27-bench4",
      nodeRows: rows,
      cluster: { ...f.cluster, pods },
      kubeDnsClusterIp: "10.233.0.10",
      corednsClusterIp: "10.233.0.3",
      containerRuntime: spec.containerRuntime,
      links: { [WEB]: hidden, "client-1": hidden, "client-2": hidden },
    });
    expect(key.pods.every((p) => "error" in p.mac && "error" in p.veth)).toBe(true);
    expect(key.pods[0]!.notes).toEqual(["10.233.65.1 is kube-bridge's own address: impossible on a real bench"]);
    expect(key.pods[2]!.notes).toEqual(["10.233.66.0 is the prefix's network address: impossible on a real bench"]);
    expect(toMarkdown(key)).toContain(`| client-1 | client-1 | compute1 | 10.233.65.3 | error: ${hidden.error} | error: ${hidden.error} | 10.233.65.1 |`);
  });
});

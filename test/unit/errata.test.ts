/** The students' errata sheet: every handout command that fails on a bench, with that bench's own values. */
import { mkdtempSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { writeErrata } from "../../lib/facts/op";
import { buildAnswerKey, type AnswerKey } from "../../lib/facts/answer-key";
import { buildErrata, errataMarkdown } from "../../lib/facts/errata";
import { REPO } from "../../lib/repo";
import { corednsServiceIp } from "../../lib/render/nodelocaldns";
import type { BenchSpec } from "../../lib/spec/types";
import { specFor } from "../helpers/spec";

/** The answer key of a healthy bench built from its spec (pods where the placement puts them). */
function keyFor(spec: BenchSpec, stack = spec.id): AnswerKey {
  const at = (node: string, host: number) => `${spec.nodes.find((n) => n.name === node)!.podCidr.replace(/0\/24$/, "")}${host}`;
  return buildAnswerKey({
    benchId: spec.id,
    stack,
    nodeRows: spec.nodes.map((n) => ({ name: n.name, role: n.role, providerIp: n.provider.address, managementIp: n.management.address, podCidr: n.podCidr })),
    cluster: {
      nodes: spec.nodes.map((n) => ({ name: n.name, ready: true, internalIp: n.provider.address, podCidr: n.podCidr })),
      pods: [
        { name: "webserver-1-5d8f7c9b4-x2x7q", node: spec.placement.webserverNode, ip: at(spec.placement.webserverNode, 2), phase: "Running" },
        { name: "client-1", node: spec.placement.webserverNode, ip: at(spec.placement.webserverNode, 3), phase: "Running" },
        { name: "client-2", node: spec.placement.client2Node, ip: at(spec.placement.client2Node, 2), phase: "Running" },
      ],
      webserverClusterIp: "10.233.51.124",
      webserverEndpoints: [at(spec.placement.webserverNode, 2)],
    },
    kubeDnsClusterIp: "10.233.0.10",
    corednsClusterIp: "10.233.0.3",
    links: {},
    containerRuntime: spec.containerRuntime,
  });
}

const spec = specFor(27, 4);
const sheet = errataMarkdown(spec, keyFor(spec));
const rowFor = (text: string, needle: string) => text.split("\n").find((l) => l.startsWith("| ") && l.includes(needle)) ?? "";

describe("errata sheet", () => {
  it("says a ping to the Service's ClusterIP is refused (kube-proxy's IPVS access filter), and the answer key agrees", () => {
    const row = rowFor(sheet, "Ping `webserver-service-1` from `client-2`");
    expect(row).toContain("Destination Port Unreachable");
    expect(row).toContain("1.27");
    const ping = keyFor(spec).ttls.find((t) => t.case.startsWith("ping the service"));
    expect(ping?.rejected).toBe("Destination Port Unreachable");
    expect(keyFor(spec).ttls.filter((t) => t.rejected !== undefined)).toHaveLength(1);
  });

  it("replaces the exec form kubectl 1.31 refuses", () => {
    expect(rowFor(sheet, "kubectl exec -it client-1 sh")).toContain("`kubectl exec -it client-1 -- sh`");
    expect(rowFor(sheet, "kubectl exec -it client-1 sh")).toContain("is not supported anymore");
  });

  it("replaces docker with crictl and ctr (containerd), with crictl's own template syntax", () => {
    expect(rowFor(sheet, "sudo docker ps`")).toContain("`sudo crictl ps`");
    const inspect = rowFor(sheet, "docker inspect");
    expect(inspect).toContain("`sudo crictl inspect --output go-template --template '{{.info.pid}}' CONTAINER-ID`");
    expect(inspect).toContain("$(sudo crictl ps -q --name client --pod $(sudo crictl pods -q --name '^client-1$'))");
    expect(inspect).toContain("on compute1");
    const pause = rowFor(sheet, "docker ps --format");
    expect(pause).toContain("`sudo crictl pods`");
    expect(pause).toContain("`sudo ctr -n k8s.io containers ls`");
    expect(pause).toContain("registry.k8s.io/pause:3.10.1");
    expect(rowFor(sheet, "`docker0`")).toContain("No Docker, so no `docker0`");
    expect(rowFor(sheet, "run `sleep`")).toContain("`/pause`");
  });

  it("fills in the bench's DNS addresses: coredns (what nodelocaldns forwards to) and kubeadm's kube-dns", () => {
    const svc = rowFor(sheet, "kube=system");
    expect(svc).toContain("`kube-dns` (10.233.0.10)");
    expect(svc).toContain("`coredns` at 10.233.0.3");
    expect(svc).toContain("`forward . 10.233.0.3`");
    expect(sheet).toContain("nodelocaldns 169.254.25.10 -> Service `coredns` 10.233.0.3");
    expect(rowFor(sheet, "resolv.conf")).toContain("`search default.svc.cluster.local svc.cluster.local cluster.local`");
    expect(rowFor(sheet, "kubelet-config.yaml")).toContain("a link to `/var/lib/kubelet/config.yaml`");
  });

  it("tells where the controller's own prefix shows (kube-bridge has no address without a pod)", () => {
    expect(rowFor(sheet, "`ip route` on each machine")).toContain("`ip route` on compute1 shows `10.233.64.0/24 via 10.27.4.12 dev enp1s0f2 proto 17`");
    expect(rowFor(sheet, "`ip route` on each machine")).toContain("`kubectl get node controller -o jsonpath='{.spec.podCIDR}'`");
  });

  it("covers the provisioned home, the images, the typos and what the bench does not have", () => {
    expect(rowFor(sheet, "mkdir ~/.kube")).toContain("File exists");
    expect(rowFor(sheet, "wget")).toContain("/home/user on the controller");
    expect(rowFor(sheet, "`busybox` container")).toContain("`netlab.local/lab-client:1`");
    expect(rowFor(sheet, "`busybox` container")).toContain("`netlab.local/lab-webserver:1`");
    expect(rowFor(sheet, "~/.kub/config")).toContain("`~/.kube/config`");
    expect(rowFor(sheet, "sudl lsns")).toContain("`sudo lsns -t net`");
    expect(rowFor(sheet, "dashboard")).toContain("coredns-");
    expect(rowFor(sheet, "Wireshark")).toContain("scp");
    expect(sheet).toContain("webserver-1 and client-1 on compute1, client-2 on compute2; webserver-service-1 at 10.233.51.124");
  });

  it("follows the bench: its lab user, its placement and a tagged provider device", () => {
    const other = specFor(30, 7, {
      labUser: "student",
      placement: { webserverNode: "compute3", client2Node: "compute1" },
      network: { providerPortMode: "tagged" },
    });
    const text = errataMarkdown(other, keyFor(other));
    expect(rowFor(text, "mkdir ~/.kube")).toContain("`sudo chown student:student admin.conf`");
    expect(rowFor(text, "docker inspect")).toContain("on compute3");
    expect(rowFor(text, "`enp1s0f2` interface")).toContain("`sudo tcpdump -i enp1s0f2.3 -w FILE.pcap` on compute3");
    expect(rowFor(text, "`ip route` on each machine")).toContain("`10.233.64.0/24 via 10.30.7.12 dev enp1s0f2.3 proto 17`");
    // An access-port bench has no such row.
    expect(buildErrata(spec, keyFor(spec)).some((e) => e.handout.includes("`enp1s0f2` interface"))).toBe(false);
  });

  it("on a Docker bench keeps the handout's docker commands and docker0 as written, and names the PID command", () => {
    const docker = specFor(27, 4, { containerRuntime: "docker" });
    const text = errataMarkdown(docker, keyFor(docker));
    const handouts = buildErrata(docker, keyFor(docker)).map((e) => e.handout);
    expect(handouts.filter((h) => /docker (ps|inspect)|docker0/.test(h))).toEqual([]);
    expect(rowFor(text, "run `sleep`")).toContain("`sudo docker inspect --format '{{ .State.Pid }}' CONTAINER-ID`");
    expect(rowFor(text, "kubelet-config.yaml")).toContain("hands the resolver to Docker through cri-dockerd");
    expect(text).toContain("Docker Engine behind cri-dockerd");
    expect(text).not.toContain("crictl");
    // The containerd sheet has all four.
    expect(buildErrata(spec, keyFor(spec)).filter((e) => /docker (ps|inspect)|docker0/.test(e.handout))).toHaveLength(4);
  });

  it("is written as DIR/<bench>-errata.md", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "errata-"));
    const key = keyFor(spec, "room27-bench4");
    const file = writeErrata(dir, key, sheet);
    expect(file).toBe(path.join(dir, "room27-bench4-errata.md"));
    expect(readFileSync(file, "utf8")).toBe(sheet);
  });
});

describe("README's differences from the handout", () => {
  const readme = readFileSync(path.join(REPO, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("Differences from the handout"), readme.indexOf("## Stack config"));

  it("agrees with the sheet on every replacement command", () => {
    expect(section.length).toBeGreaterThan(100);
    for (const text of [
      "netlab facts --errata",
      "kubectl exec -it client-1 -- sh",
      "sudo crictl ps",
      "crictl inspect --output go-template --template '{{.info.pid}}' CONTAINER-ID",
      "sudo crictl pods",
      "sudo ctr -n k8s.io containers ls",
      "docker0",
      "`coredns` Service",
      "`kube-dns`",
      "/var/lib/kubelet/config.yaml",
      "File exists",
      "kube-bridge",
      "~/.kube/config",
    ]) {
      expect(section, text).toContain(text);
      expect(sheet, text === "netlab facts --errata" ? "(the command itself)" : text).toContain(text === "netlab facts --errata" ? "" : text);
    }
  });

  it("names the Service nodelocaldns forwards to (and `netlab check` compares with) as coredns, with both DNS ClusterIPs", () => {
    const flat = readme.replace(/\s+/g, " ");
    expect(readme).not.toContain("kube-dns's ClusterIP");
    expect(flat).toContain("the nodelocaldns ConfigMap binding it and forwarding to the `coredns` Service's ClusterIP");
    const services = `kubeadm's \`kube-dns\` at ${spec.network.corednsIp} and the \`coredns\` Service nodelocaldns forwards to at ${corednsServiceIp(spec)};`;
    expect(flat).toContain(services);
    expect([spec.network.corednsIp, corednsServiceIp(spec)]).toEqual(["10.233.0.10", "10.233.0.3"]);
  });
});

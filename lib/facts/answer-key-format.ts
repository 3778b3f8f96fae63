/** The answer key as the instructor reads it (Markdown) and as tools read it (JSON). */
import { describeObservation } from "../check/observation";
import type { AnswerKey } from "./answer-key";

const cell = (s: string) => (s === "" ? "-" : s.replaceAll("|", "\\|"));
const mdTable = (header: string[], rows: string[][]) =>
  [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)].join("\n");

export function toMarkdown(k: AnswerKey): string {
  return [
    `# Answer key: ${k.benchId} (stack ${k.stack})`,
    "",
    ...nodesSection(k),
    ...labPodsSection(k),
    ...clusterIpsSection(k),
    ...runtimeSection(k),
    ...ttlsSection(k),
  ].join("\n");
}

// Each section of the Markdown answer key: its lines, ending with a blank one.

function nodesSection(k: AnswerKey): string[] {
  return [
    "## Nodes",
    "",
    "Kube Router gives each node one pod prefix; kube-bridge holds its first address, the pods' default gateway.",
    "Kube Router creates kube-bridge without an address: the CNI plugin adds it with the first pod that has its own",
    "network namespace on the node, so a node without such a pod (often the controller) shows kube-bridge without",
    "`inet`, and its own prefix appears only in the other nodes' `ip route`.",
    "",
    mdTable(
      ["node", "role", "provider (enp1s0f2)", "management (enp1s0f0)", "pod prefix", "kube-bridge", "kube-bridge addressed"],
      k.nodes.map((n) => [n.name, n.role, n.providerIp, n.managementIp, n.podCidr, n.kubeBridgeIp, n.kubeBridgeAddressed]),
    ),
    "",
  ];
}

function labPodsSection(k: AnswerKey): string[] {
  const notes = k.pods.flatMap((p) => p.notes.map((n) => `- ${p.name || p.role}: ${n}`));
  return [
    "## Lab pods",
    "",
    "MAC is the pod's `eth0`; the veth is the host-side end on the pod's node (the `NN` of `eth0@ifNN` is its index).",
    "",
    mdTable(
      ["pod", "name", "node", "IP", "MAC", "host veth", "default gateway"],
      k.pods.map((p) => [
        p.role,
        p.name,
        p.node,
        p.ip,
        describeObservation(p.mac),
        describeObservation(p.veth, (v) => `${v.name} (if${v.index})`),
        p.defaultGateway,
      ]),
    ),
    ...(notes.length > 0 ? ["", "Notes:", "", ...notes] : []),
    "",
  ];
}

function clusterIpsSection(k: AnswerKey): string[] {
  return [
    "## ClusterIPs",
    "",
    mdTable(
      ["service", "ClusterIP"],
      [
        ["default/webserver-service-1", k.clusterIps.webserverService1],
        ["kube-system/coredns (nodelocaldns forwards here, §3.1)", k.clusterIps.coredns],
        ["kube-system/kube-dns (kubeadm's name for the same CoreDNS pods)", k.clusterIps.kubeDns],
      ],
    ),
    "",
  ];
}

function runtimeSection(k: AnswerKey): string[] {
  return [
    `## Container runtime: ${k.runtime.name}`,
    "",
    mdTable(
      ["to", "command"],
      [
        ["list the containers", `\`${k.runtime.listContainers}\``],
        ["a container's PID (then `sudo nsenter -t PID -n ...`)", `\`${k.runtime.containerPid}\``],
        ["see the pause containers", `\`${k.runtime.pauseContainers}\``],
      ],
    ),
    "",
  ];
}

function ttlsSection(k: AnswerKey): string[] {
  return [
    "## Expected TTLs (pings and curl of the handout)",
    "",
    "Linux sends with TTL 64; only routers (a node forwarding between kube-bridge and enp1s0f2) decrement it.",
    "",
    mdTable(
      ["case", "from", "to", "TTL at receiver"],
      k.ttls.map((t) => [t.case, t.from, t.to, t.rejected ? `${t.ttl} (${t.rejected})` : String(t.ttl)]),
    ),
    "",
    ...k.ttls.map((t) => `- **${t.case}**: ${t.why}`),
    "",
  ];
}

export function toJson(k: AnswerKey): string {
  return `${JSON.stringify(k, null, 2)}\n`;
}

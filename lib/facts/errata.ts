/**
 * The students' errata sheet for one bench: every command or statement of the lab handout that fails or is wrong
 * on this bench (containerd instead of Docker where it is, kubectl 1.31+, kubeadm's names, the provisioned home), each with
 * what to type instead, filled with the bench's real node names, addresses and ClusterIPs. Pure: built from the
 * spec and the answer key (`netlab facts --errata`).
 */
import { LAB_FILES } from "../render/lab";
import { corednsServiceIp } from "../render/nodelocaldns";
import { controllerOf } from "../spec/nodes";
import type { BenchSpec } from "../spec/types";
import type { AnswerKey } from "./answer-key";
import { containerPidErrata, docker0Errata, kubeletDnsErrata, pauseContainersErrata, runtimeSummary } from "./runtime-errata";

export interface Erratum {
  /** Handout section, e.g. "2.1.1". */
  readonly section: string;
  /** What the handout says or has students type. */
  readonly handout: string;
  /** What happens on this bench. */
  readonly problem: string;
  /** What to type or expect instead (Markdown, commands in backticks). */
  readonly instead: string;
}

/** The bench values the sheet quotes (from the answer key where the cluster said it, else from the spec). */
export interface ErrataValues {
  readonly controller: { readonly name: string; readonly providerIp: string; readonly podCidr: string };
  readonly otherNode: string;
  readonly webserverNode: string;
  readonly client1Node: string;
  readonly client2Node: string;
  readonly providerDevice: string;
  readonly corednsIp: string;
  readonly kubeDnsIp: string;
}

export function errataValues(spec: BenchSpec, key: AnswerKey): ErrataValues {
  const planned = controllerOf(spec);
  const keyNode = key.nodes.find((n) => n.name === planned.name);
  const podNode = (role: string, planned: string) => key.pods.find((p) => p.role === role)?.node || planned;
  const webserverNode = podNode("webserver-1", spec.placement.webserverNode);
  return {
    controller: { name: planned.name, providerIp: keyNode?.providerIp || planned.provider.address, podCidr: keyNode?.podCidr || planned.podCidr },
    otherNode: webserverNode,
    webserverNode,
    client1Node: podNode("client-1", spec.placement.webserverNode),
    client2Node: podNode("client-2", spec.placement.client2Node),
    providerDevice: spec.nodes.find((n) => n.name === webserverNode)?.provider.device ?? planned.provider.device,
    corednsIp: key.clusterIps.coredns || corednsServiceIp(spec),
    kubeDnsIp: key.clusterIps.kubeDns || spec.network.corednsIp,
  };
}

/** What each group of errata reads: the spec and the bench values the sheet quotes. */
interface ErrataContext {
  readonly spec: BenchSpec;
  readonly v: ErrataValues;
}

/** Handout §1: the controller's pod prefix and kubectl's configuration. */
function clusterSetupErrata({ spec, v }: ErrataContext): Erratum[] {
  const c = v.controller;
  const user = spec.labUser;
  return [
    {
      section: "1.1",
      handout: "`ip route` on each machine shows the prefix Kube Router assigned to it (including the controller)",
      problem:
        "A node's own prefix is routed through kube-bridge, which gets its address only when the first pod with its own network namespace " +
        `starts there; the lab runs none on the ${c.name}, so \`ip route\` there may not show ${c.podCidr}.`,
      instead:
        `Read the ${c.name}'s prefix on any other node: \`ip route\` on ${v.otherNode} shows ` +
        `\`${c.podCidr} via ${c.providerIp} dev ${v.providerDevice} proto 17\`; or \`kubectl get node ${c.name} -o jsonpath='{.spec.podCIDR}'\`.`,
    },
    {
      section: "1.2",
      handout: "the configuration file is `~/.kub/config`",
      problem: "Typo.",
      instead: "`~/.kube/config`.",
    },
    {
      section: "1.2",
      handout: "`mkdir ~/.kube`, `sudo cp /etc/kubernetes/admin.conf .`, `sudo chown user:user admin.conf`, `mv admin.conf .kube/config`",
      problem: '`mkdir ~/.kube` fails with "File exists": the bench comes with `~/.kube/config` and `~/admin.conf` already in place.',
      instead:
        "Nothing to do: run `kubectl get nodes` directly. To redo it: `mkdir -p ~/.kube`, then the same three commands " +
        `(\`sudo chown ${user}:${user} admin.conf\`).`,
    },
  ];
}

/** Handout §2 and §2.1: the lab's files, its pods and how to get into them. */
function labPodErrata({ spec, v }: ErrataContext): Erratum[] {
  const home = `/home/${spec.labUser}`;
  return [
    {
      section: "2",
      handout: "download `k8s-network-lab-s1.yml` and `k8s-network-lab-c1.yml` from www.cloud.rennes.enst-bretagne.fr with `wget`",
      problem: "The bench may have no internet access, and the files are already on the controller.",
      instead: `Use the copies in ${home} on the ${v.controller.name}: \`ls ~/${LAB_FILES.server} ~/${LAB_FILES.clients}\`.`,
    },
    {
      section: "2.1",
      handout: "`kubectl apply -f k8s-network-lab-s1.yml` / `-c1.yml`",
      problem:
        "Works, but the pods already run (the bench is provisioned with them): kubectl answers `unchanged` or `configured`, " +
        "possibly with a warning about a missing `last-applied-configuration` annotation, which is harmless.",
      instead: "`kubectl get pods -o wide` right away.",
    },
    {
      section: "2.1",
      handout: "start a webserver and a `busybox` container",
      problem:
        `The clients run \`${spec.images.client}\` (Debian with ip, ping, curl, tcpdump and dig), not busybox; ` +
        `the webserver runs \`${spec.images.webserver}\` (busybox's httpd on port 8000).`,
      instead: "The commands of the handout (`ip a`, `ip route`, `ping`, `curl`) exist in both.",
    },
    {
      section: "2.1",
      handout: "`kubectl exec -it client-1 sh`",
      problem: "kubectl 1.31 removed this form: `error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead`.",
      instead: "`kubectl exec -it client-1 -- sh` (the same for client-2 and webserver-1-...).",
    },
  ];
}

/** Handout §2.1.1: finding a pod's network namespace (runtime-errata.ts). */
function containerRuntimeErrata({ spec, v }: ErrataContext): Erratum[] {
  return containerPidErrata(spec, v.client1Node);
}

/** Handout §2.2 and §2.3: where to capture (a tagged provider device) and where to read the captures. */
function captureErrata({ v }: ErrataContext): Erratum[] {
  return [
    ...(v.providerDevice !== "enp1s0f2"
      ? [
          {
            section: "2.2, 2.3",
            handout: "`tcpdump` on the `enp1s0f2` interface",
            problem: `On this bench the provider network is a tagged VLAN: its address and traffic are on \`${v.providerDevice}\`.`,
            instead: `\`sudo tcpdump -i ${v.providerDevice} -w FILE.pcap\` on ${v.webserverNode}.`,
          },
        ]
      : []),
    {
      section: "2.3",
      handout: "Ping `webserver-service-1` from `client-2`",
      problem:
        "No echo reply: since Kubernetes 1.27 kube-proxy's IPVS mode refuses every packet to a ClusterIP that is not for one of " +
        'the Service\'s ports (ICMP included), so ping prints "Destination Port Unreachable" from the ClusterIP.',
      instead: "Keep the capture running: it shows the refused requests on client-2's veth and nothing at webserver-1; `curl` on port 8000 reaches it.",
    },
    {
      section: "2.3",
      handout: "copy the capture files to the controller and open them with Wireshark",
      problem: "Wireshark is not installed on the bench nodes.",
      instead: "Copy the files to your own computer with `scp` and open them there.",
    },
  ];
}

/** Handout §3 and §3.1: the node's interfaces and the pods' DNS path. */
function interfaceAndDnsErrata({ spec, v }: ErrataContext): Erratum[] {
  const dns = spec.network.nodeLocalDnsIp;
  const domain = spec.network.clusterDomain;
  return [
    ...docker0Errata(spec),
    {
      section: "3.1",
      handout: "`cat /etc/resolv.conf` in a pod: the first line is `nameserver 169.254.25.10`",
      problem: `The first line is \`search default.svc.${domain} svc.${domain} ${domain}\`.`,
      instead: `The \`nameserver ${dns}\` line follows it.`,
    },
    {
      section: "3.1",
      handout: '`kubectl --namespace kube-system get svc` ("the `kube=system` namespace") shows the `coredns` service',
      problem:
        `Works (\`kube-system\`; \`kube=system\` is a typo). kubeadm names CoreDNS's Service \`kube-dns\` (${v.kubeDnsIp}); ` +
        "this bench adds the `coredns` Service the handout looks for, in front of the same CoreDNS pods.",
      instead: `\`coredns\` at ${v.corednsIp} is the address the nodelocaldns ConfigMap forwards to (\`forward . ${v.corednsIp}\`).`,
    },
    ...kubeletDnsErrata(spec),
  ];
}

/** Handout §3.2 and §3.3: the pods' own namespaces and their pause containers. */
function pauseErrata({ spec }: ErrataContext): Erratum[] {
  return [
    {
      section: "3.2",
      handout: 'pods "with `dashboard` in their name" have their own network namespace',
      problem: "There is no dashboard on this bench.",
      instead: "The CoreDNS pods (`coredns-...` in kube-system) have their own namespace and veth: `kubectl -n kube-system get pods -o wide`.",
    },
    {
      section: "3.2",
      handout: "`sudl lsns -t net`",
      problem: "Typo.",
      instead: "`sudo lsns -t net`.",
    },
    ...pauseContainersErrata(spec),
  ];
}

/** The groups of errata, in the handout's order. */
const ERRATA_GROUPS = [clusterSetupErrata, labPodErrata, containerRuntimeErrata, captureErrata, interfaceAndDnsErrata, pauseErrata] as const;

/** Every erratum for this bench, in the handout's order. */
export function buildErrata(spec: BenchSpec, key: AnswerKey): Erratum[] {
  const ctx: ErrataContext = { spec, v: errataValues(spec, key) };
  return ERRATA_GROUPS.flatMap((group) => group(ctx));
}

const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");

/** The sheet as Markdown: the bench's values first, then one row per erratum. */
export function errataMarkdown(spec: BenchSpec, key: AnswerKey): string {
  const v = errataValues(spec, key);
  const rows = buildErrata(spec, key).map((e) => `| ${e.section} | ${cell(e.handout)} | ${cell(e.problem)} | ${cell(e.instead)} |`);
  const nodes =
    key.nodes.length > 0
      ? key.nodes.map((n) => `${n.name} ${n.providerIp} (pods ${n.podCidr || "?"})`)
      : spec.nodes.map((n) => `${n.name} ${n.provider.address} (pods ${n.podCidr})`);
  return [
    `# Errata for the Kubernetes networking lab: ${key.benchId}`,
    "",
    "Commands and statements of the handout that do not hold on this bench, and what to do instead.",
    "",
    `- Nodes: ${nodes.join(", ")}; kubectl runs on the ${v.controller.name} as \`${spec.labUser}\`.`,
    `- webserver-1 and client-1 on ${v.webserverNode}, client-2 on ${v.client2Node}; ` +
      `webserver-service-1 at ${key.clusterIps.webserverService1 || "(see `kubectl get svc`)"}.`,
    `- DNS: nodelocaldns ${spec.network.nodeLocalDnsIp} -> Service \`coredns\` ${v.corednsIp} (also reachable as kubeadm's \`kube-dns\` ${v.kubeDnsIp}).`,
    runtimeSummary(spec),
    "",
    "| § | handout | on this bench | instead |",
    "|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}

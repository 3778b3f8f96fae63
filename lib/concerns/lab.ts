/**
 * The lab workloads students inspect: webserver-1 and webserver-service-1 (s1), client-1 on the webserver's node
 * and client-2 on another (c1), applied once Kube Router and nodelocaldns run, and the same two files in the lab
 * user's home on the controller. Checks: the clients' placement, the Service's endpoint, curl from client-2.
 */
import { CheckStatus, labPods, perItem, result, type CheckFacts, type CheckResult } from "../check/checks";
import { LAB_FILES, labClientObjects, labServerObjects, toYamlStream } from "../render/lab";
import { StepKind } from "../render/steps";
import { contains, isIpv4 } from "../spec/network";
import { NodeRole, type BenchSpec } from "../spec/types";
import type { Concern } from "./concern";
import { ConcernName } from "./concern";

/** 3. client-1 runs on webserver-1's node, client-2 on another node; all three Running. */
export function checkClientPlacement(f: CheckFacts): CheckResult {
  const { webservers, client1, client2 } = labPods(f.cluster);
  const problems: string[] = [];
  if (webservers.length !== 1) problems.push(`${webservers.length} webserver-1 pods (${webservers.map((p) => p.name).join(", ") || "none"}), expected 1`);
  if (!client1) problems.push("no pod client-1");
  if (!client2) problems.push("no pod client-2");
  for (const p of [...webservers, client1, client2]) {
    if (p && p.phase !== "Running") problems.push(`${p.name} is ${p.phase || "in no phase"}${p.node ? ` on ${p.node}` : " (not scheduled)"}`);
  }
  const web = webservers[0];
  if (problems.length === 0 && web && client1 && client2) {
    if (client1.node !== web.node) problems.push(`client-1 on ${client1.node}, webserver-1 on ${web.node}: must be the same node`);
    if (client2.node === web.node) problems.push(`client-2 on ${client2.node}, the webserver's node: must be another node`);
  }
  const where = [web, client1, client2]
    .filter((p) => p !== undefined)
    .map((p) => `${p!.name} on ${p!.node || "(none)"}`)
    .join(", ");
  if (problems.length > 0) return result("client-placement", CheckStatus.Fail, `${problems.join("; ")}${where ? ` [${where}]` : ""}`);
  return result("client-placement", CheckStatus.Pass, `${where}: client-1 shares webserver-1's node, client-2 does not`);
}

/** 4. webserver-service-1 has webserver-1's pod as its only ready endpoint; its ClusterIP is in the service subnet. */
export function checkServiceEndpoint(f: CheckFacts): CheckResult {
  const { webservers } = labPods(f.cluster);
  const ip = f.cluster.webserverClusterIp;
  const subnet = f.expected.serviceSubnet;
  const problems: string[] = [];
  if (ip === "") problems.push("no Service webserver-service-1 (or it has no ClusterIP)");
  else if (!isIpv4(ip) || !contains(subnet, ip)) problems.push(`ClusterIP ${ip} is not in the service subnet ${subnet}`);
  const podIps = webservers.map((p) => p.ip).filter(Boolean);
  const endpoints = [...f.cluster.webserverEndpoints].sort();
  if (podIps.length === 0) problems.push("webserver-1 has no pod IP");
  else if (endpoints.join(",") !== [...podIps].sort().join(",")) {
    problems.push(`ready endpoints [${endpoints.join(", ") || "none"}], expected webserver-1's pod IP [${podIps.join(", ")}]`);
  }
  if (problems.length > 0) return result("webserver-service-endpoint", CheckStatus.Fail, problems.join("; "));
  const evidence = `ClusterIP ${ip} (in ${subnet}) -> ready endpoint ${endpoints.join(", ")} = ${webservers[0]!.name}`;
  return result("webserver-service-endpoint", CheckStatus.Pass, evidence);
}

/** 5. `curl webserver-service-1:8000` from client-2 downloads webserver-1's page. */
export function checkCurl(f: CheckFacts): CheckResult {
  const port = f.expected.servicePort;
  return perItem(
    "curl-service-from-client-2",
    { "client-2": f.curlFromClient2 },
    ["client-2"],
    (_k, body) =>
      /webserver-1/.test(body) ? undefined : `curl webserver-service-1:${port} answered without webserver-1's page: ${JSON.stringify(body.slice(0, 120))}`,
    () => `curl webserver-service-1:${port} from client-2 got webserver-1's page`,
  );
}

/** The lab's two manifest files: s1 (the server) and c1 (the clients). */
function labManifests(spec: BenchSpec) {
  return [
    { file: LAB_FILES.server, applyAs: "s1", objects: labServerObjects(spec) },
    { file: LAB_FILES.clients, applyAs: "c1", objects: labClientObjects(spec) },
  ];
}

export const lab: Concern = {
  name: ConcernName.Lab,
  steps: (spec, node, step) => {
    if (node.role !== NodeRole.ControlPlane) return [];
    const [s1, c1] = labManifests(spec).map((m) => toYamlStream(m.objects));
    const home = `/home/${spec.labUser}`;
    return [
      step(
        StepKind.LabFiles,
        "50-lab-files.sh",
        { NETLAB_LAB_S1: s1!, NETLAB_LAB_C1: c1! },
        {
          files: { [`${home}/${LAB_FILES.server}`]: s1!, [`${home}/${LAB_FILES.clients}`]: c1! },
        },
      ),
    ];
  },
  manifests: labManifests,
  component: { type: "netlab:lab:LabWorkloads", suffix: "lab", after: [ConcernName.KubeRouter, ConcernName.NodeLocalDns] },
  checks: [
    { name: "client-placement", evaluate: checkClientPlacement },
    { name: "webserver-service-endpoint", evaluate: checkServiceEndpoint },
    { name: "curl-service-from-client-2", evaluate: checkCurl },
  ],
};

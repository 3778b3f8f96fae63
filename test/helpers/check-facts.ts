/** A healthy real bench (room 27, bench 4) as the gatherer would see it: the facts the checks and the answer key read. */
import { stringify } from "yaml";
import type { CheckFacts } from "../../lib/check/checks";
import type { Observation } from "../../lib/check/observation";
import { kubeletConfig } from "../../lib/render/kubeadm";
import { nodeLocalDnsCorefile } from "../../lib/render/nodelocaldns";
import { specFor } from "./spec";

export const spec = specFor(27, 4);
const NODES = ["controller", "compute1", "compute2", "compute3"];
const PREFIX: Record<string, string> = { controller: "10.233.64.0/24", compute1: "10.233.65.0/24", compute2: "10.233.66.0/24", compute3: "10.233.67.0/24" };
const PROVIDER: Record<string, string> = { controller: "10.27.4.12", compute1: "10.27.4.22", compute2: "10.27.4.32", compute3: "10.27.4.42" };
export const WEB = "webserver-1-5d8f7c9b4-x2x7q";
export const VIP = "10.233.51.124";

export const perNode = <T>(f: (node: string) => Observation<T>) => Object.fromEntries(NODES.map((n) => [n, f(n)]));
export const routesOn = (node: string) =>
  NODES.filter((n) => n !== node)
    .map((n) => `${PREFIX[n]} via ${PROVIDER[n]} dev enp1s0f2 proto 17 \n`)
    .join("");
export const IPVS = [
  "IP Virtual Server version 1.2.1 (size=4096)",
  "Prot LocalAddress:Port Scheduler Flags",
  "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
  "TCP  10.233.0.1:443 rr",
  "  -> 10.27.4.12:6443              Masq    1      0          0",
  "TCP  10.233.0.3:53 rr",
  "  -> 10.233.64.2:53               Masq    1      0          0",
  "TCP  10.233.0.10:53 rr",
  "  -> 10.233.64.2:53               Masq    1      0          0",
  `TCP  ${VIP}:8000 rr`,
  "  -> 10.233.65.2:8000             Masq    1      0          0",
  "UDP  10.233.0.10:53 rr",
  "  -> 10.233.64.2:53               Masq    1      0          0",
  "",
].join("\n");
export const RESOLV = "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 169.254.25.10\noptions ndots:5\n";

/** A healthy real bench, as the gatherer would see it. */
export function bench(): CheckFacts {
  return {
    expected: {
      nodes: NODES.map((name) => ({ name, providerIp: PROVIDER[name]! })),
      serviceSubnet: "10.233.0.0/18",
      nodeLocalDnsIp: "169.254.25.10",
      clusterDomain: "cluster.local",
      servicePort: 8000,
    },
    cluster: {
      nodes: NODES.map((name) => ({ name, ready: true, internalIp: PROVIDER[name]!, podCidr: PREFIX[name]! })),
      pods: [
        { name: "client-1", node: "compute1", ip: "10.233.65.3", phase: "Running" },
        { name: "client-2", node: "compute2", ip: "10.233.66.2", phase: "Running" },
        { name: WEB, node: "compute1", ip: "10.233.65.2", phase: "Running" },
      ],
      webserverClusterIp: VIP,
      webserverEndpoints: ["10.233.65.2"],
    },
    corednsClusterIp: "10.233.0.3",
    nodeLocalDnsCorefile: { value: nodeLocalDnsCorefile(spec) },
    routes: perNode((n) => ({ value: routesOn(n) })),
    kubeletConfigs: perNode(() => ({ value: stringify(kubeletConfig(spec)) })),
    curlFromClient2: { value: "<html><body><h1>webserver-1</h1><p>Served by webserver-1-5d8f7c9b4-x2x7q</p></body></html>\n" },
    resolvConfs: { "client-1": { value: RESOLV }, "client-2": { value: RESOLV } },
    ipvs: perNode(() => ({ value: IPVS })),
  };
}

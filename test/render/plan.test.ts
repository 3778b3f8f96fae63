import { parse, parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { pinToNode, type K8sObject } from "../../lib/render/load";
import { manifestFiles, planBench } from "../../lib/render/plan";
import { StepKind } from "../../lib/render/steps";
import { kubeRouterArgs } from "../../lib/render/kube-router";
import { nodeLocalDnsCorefile } from "../../lib/render/nodelocaldns";
import { specFor } from "../helpers/spec";

const plan = planBench(specFor(30, 7));
/** The object of that kind and name in the plan's manifest file `file`. */
const objectsOf = (file: string, kind: string, name: string) =>
  manifestFiles(plan)
    .find((m) => m.file === file)!
    .objects.find((o: K8sObject) => o.kind === kind && o.metadata.name === name)!;

describe("netplan", () => {
  it("puts the provider and management addresses on the NICs of an access port", () => {
    const doc = parse(plan.hosts.compute1.netplan);
    expect(doc.network.ethernets.enp1s0f2.addresses).toEqual(["10.30.7.22/24"]);
    expect(doc.network.ethernets.enp1s0f0.addresses).toEqual(["192.168.7.22/24"]);
    expect(doc.network.vlans).toBeUndefined();
    expect(plan.hosts.compute1.netplan).toMatchInlineSnapshot(`
      "network:
        version: 2
        renderer: networkd
        ethernets:
          enp1s0f0:
            dhcp4: false
            dhcp6: false
            link-local: []
            addresses:
              - 192.168.7.22/24
          enp1s0f2:
            dhcp4: false
            dhcp6: false
            link-local: []
            addresses:
              - 10.30.7.22/24
      "
    `);
  });

  it("uses VLAN sub-interfaces (ids 2 and 3) on trunk ports", () => {
    const tagged = planBench(specFor(27, 4, { network: { providerPortMode: "tagged", managementPortMode: "tagged" } }));
    const doc = parse(tagged.hosts.controller.netplan);
    expect(doc.network.vlans["enp1s0f2.3"]).toMatchObject({ id: 3, link: "enp1s0f2", addresses: ["10.27.4.12/24"] });
    expect(doc.network.vlans["enp1s0f0.2"]).toMatchObject({ id: 2, link: "enp1s0f0", addresses: ["192.168.4.12/24"] });
    expect(doc.network.ethernets.enp1s0f2.addresses).toBeUndefined();
  });
});

describe("kubeadm", () => {
  const docs = parseAllDocuments(plan.hosts.controller.kubeadm).map((d) => d.toJS());
  const byKind = (kind: string) => docs.find((d) => d.kind === kind);

  it("advertises and registers the controller on the provider network", () => {
    expect(byKind("InitConfiguration").localAPIEndpoint.advertiseAddress).toBe("10.30.7.12");
    expect(byKind("InitConfiguration").nodeRegistration.kubeletExtraArgs).toEqual([{ name: "node-ip", value: "10.30.7.12" }]);
    expect(byKind("InitConfiguration").apiVersion).toBe("kubeadm.k8s.io/v1beta4");
  });

  it("sets pod and service subnets, per-node /24s, IPVS and nodelocaldns as clusterDNS", () => {
    const cluster = byKind("ClusterConfiguration");
    expect(cluster.networking).toEqual({ podSubnet: "10.233.64.0/18", serviceSubnet: "10.233.0.0/18", dnsDomain: "cluster.local" });
    expect(cluster.controllerManager.extraArgs).toContainEqual({ name: "node-cidr-mask-size", value: "24" });
    expect(cluster.kubernetesVersion).toBe("v1.34.3");
    expect(byKind("KubeProxyConfiguration").mode).toBe("ipvs");
    expect(byKind("KubeletConfiguration").clusterDNS).toEqual(["169.254.25.10"]);
  });

  it("joins workers through a discovery file, with their own node-ip", () => {
    const join = parse(plan.hosts.compute3.kubeadm);
    expect(join.kind).toBe("JoinConfiguration");
    expect(join.discovery.file.kubeConfigPath).toMatch(/discovery\.conf$/);
    expect(join.nodeRegistration).toMatchObject({ name: "compute3", kubeletExtraArgs: [{ name: "node-ip", value: "10.30.7.42" }] });
    expect(plan.hosts.compute3.kubeadm).not.toMatch(/token/);
  });
});

describe("cluster objects", () => {
  it("kube-router: pinned image, routing on, firewall and service proxy off, kube-bridge CNI", () => {
    const ds = objectsOf("kube-router.yaml", "DaemonSet", "kube-router");
    const args: string[] = ds.spec.template.spec.containers[0].args;
    expect(args).toEqual(
      expect.arrayContaining([
        "--run-router=true",
        "--run-firewall=false",
        "--run-service-proxy=false",
        "--nodes-full-mesh=true",
        "--service-cluster-ip-range=10.233.0.0/18",
      ]),
    );
    expect(
      args.some((a) => a.startsWith("--cluster-cidr")),
      "not a kube-router flag since v1.1.0",
    ).toBe(false);
    expect(ds.spec.template.spec.containers[0].image).toMatch(/^docker\.io\/cloudnativelabs\/kube-router:v\d+\.\d+\.\d+$/);
    const cni = JSON.parse(objectsOf("kube-router.yaml", "ConfigMap", "kube-router-cfg").data["cni-conf.json"]);
    expect(cni.plugins[0]).toMatchObject({ type: "bridge", bridge: "kube-bridge", isDefaultGateway: true, ipam: { type: "host-local" } });
    expect(kubeRouterArgs(plan.spec)).not.toContain("--run-service-proxy=true");
  });

  it("nodelocaldns binds 169.254.25.10 and forwards cluster names to CoreDNS through the coredns Service (3rd service address)", () => {
    const corefile = nodeLocalDnsCorefile(plan.spec);
    expect(corefile).toContain("bind 169.254.25.10");
    expect(corefile).toMatch(/cluster\.local:53 \{[\s\S]*?forward \. 10\.233\.0\.3 \{\n\s+force_tcp/);
    expect(objectsOf("nodelocaldns.yaml", "Service", "coredns").spec.clusterIP).toBe("10.233.0.3");
    expect(corefile).toContain("health 169.254.25.10:9254");
    expect(corefile).toMatch(/\.:53 \{[^}]*forward \. \/etc\/resolv\.conf/);
    const ds = objectsOf("nodelocaldns.yaml", "DaemonSet", "nodelocaldns");
    expect(ds.spec.template.spec.hostNetwork).toBe(true);
    expect(ds.spec.template.spec.containers[0].args).toEqual([
      "-localip",
      "169.254.25.10",
      "-conf",
      "/etc/coredns/Corefile",
      "-upstreamsvc",
      "coredns",
      "-health-port",
      "9254",
    ]);
    expect(objectsOf("nodelocaldns.yaml", "ConfigMap", "nodelocaldns").data.Corefile).toBe(corefile);
  });

  it("lab: webserver-1 and client-1 share a node, client-2 is elsewhere, port 8000", () => {
    const hostOf = (pod: Parameters<typeof pinToNode>[0]) =>
      pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]!.matchExpressions[0]!.values;
    const web = objectsOf("k8s-network-lab-s1.yml", "Deployment", "webserver-1");
    expect(web.spec.replicas).toBe(1);
    expect(hostOf(web.spec.template.spec)).toEqual(["compute1"]);
    expect(hostOf(objectsOf("k8s-network-lab-c1.yml", "Pod", "client-1").spec)).toEqual(["compute1"]);
    expect(hostOf(objectsOf("k8s-network-lab-c1.yml", "Pod", "client-2").spec)).toEqual(["compute2"]);
    expect(objectsOf("k8s-network-lab-s1.yml", "Service", "webserver-service-1").spec.ports[0]).toMatchObject({ port: 8000, targetPort: 8000 });
    expect(web.spec.template.spec.containers[0].args[0]).toContain("httpd -f -v -p 8000");
  });

  it("every image is pinned, none untagged or latest", () => {
    const images = manifestFiles(plan)
      .flatMap((m) => m.objects)
      .flatMap((o) => {
        const pod = o.spec?.template?.spec ?? o.spec;
        return [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])].map((c: { image: string }) => c.image);
      });
    expect(images.length).toBeGreaterThan(4);
    for (const image of images) {
      expect(image).toMatch(/:[\w.-]+$/);
      expect(image).not.toMatch(/:latest$/);
    }
  });
});

describe("node scripts", () => {
  it("runs the steps in order on each node", () => {
    expect(plan.hosts.controller.steps.map((s) => s.file)).toEqual([
      "10-base-os.sh",
      "20-network.sh",
      "30-runtime.sh",
      "40-kubeadm-init.sh",
      "45-join-token-compute1.sh",
      "45-join-token-compute2.sh",
      "45-join-token-compute3.sh",
      "50-lab-files.sh",
      "60-kubeconfig.sh",
      "70-lab-network.sh",
    ]);
    expect(plan.hosts.compute2.steps.map((s) => s.file)).toEqual([
      "10-base-os.sh",
      "20-network.sh",
      "30-runtime.sh",
      "40-kubeadm-join.sh",
      "70-lab-network.sh",
    ]);
  });

  it("carries the node's values in its header and both actions", () => {
    const network = plan.hosts.compute2.steps.find((s) => s.file === "20-network.sh")!.script;
    expect(network).toContain("NETLAB_NODE=compute2");
    expect(network).toContain("NETLAB_EXPECTED_ADDRESSES='enp1s0f0=192.168.7.32/24 enp1s0f2=10.30.7.32/24'");
    expect(network).toMatch(/^create\(\) \{/m);
    expect(network).toMatch(/^delete\(\) \{/m);
    const base = plan.hosts.compute2.steps[0]!.script;
    expect(base).toMatch(/ip_vs\nip_vs_rr/);
    expect(base).toContain("net.ipv4.ip_forward = 1");
  });

  it("expects kube-bridge on every node, with its address only where the lab pods run (compute1, compute2)", () => {
    const bridge = (node: keyof typeof plan.hosts) => {
      const e = plan.hosts[node].steps.find((s) => s.kind === StepKind.LabNetwork)!.expect;
      return { link: e["link:kube-bridge"], address: e["kube-bridge"] };
    };
    expect(bridge("controller")).toEqual({ link: "present", address: undefined });
    expect(bridge("compute1")).toEqual({ link: "present", address: "10.233.65.1/24" });
    expect(bridge("compute2")).toEqual({ link: "present", address: "10.233.66.1/24" });
    expect(bridge("compute3")).toEqual({ link: "present", address: undefined });
  });

  it("a bench with a nodeRoot writes under the node's root, a bench without one under /; neither script knows which", () => {
    const sim = planBench(specFor(30, 7, { nodeRoot: "/tmp/netlab-sim/x" }));
    expect(sim.hosts.compute1.steps[0]!.script).toContain("NETLAB_ROOT=/tmp/netlab-sim/x/compute1");
    expect(sim.hosts.compute1.steps[0]!.script).toContain("NETLAB_BUNDLE_DIR=/tmp/netlab-sim/x/compute1/var/lib/netlab/bundle");
    expect(plan.hosts.compute1.steps[0]!.script).toContain("NETLAB_ROOT=''");
    expect(plan.hosts.compute1.steps[0]!.script).toContain("NETLAB_BUNDLE_DIR=/var/lib/netlab/bundle");
    // The scripts of both are the same apart from the node root: nothing says which bench is which.
    const strip = (s: string) => s.replace(/^(#.*|NETLAB_(ROOT|BUNDLE_DIR)=.*)$/gm, "").replaceAll("/tmp/netlab-sim/x/", "");
    for (const node of ["controller", "compute1"] as const) {
      for (const [i, step] of sim.hosts[node].steps.entries()) {
        expect(strip(step.script), step.file).not.toMatch(/NETLAB_TARGET|\bsim\b/);
        expect(strip(step.script), step.file).toBe(strip(plan.hosts[node].steps[i]!.script));
      }
    }
  });
});

/**
 * The Pulumi program for one bench: `pulumi up` on stacks/Pulumi.<bench>.yaml.
 * Config is read here and only here, validated as a whole before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { Bench } from "./components/bench";
import { locateBundle } from "./lib/bundle/locate";
import { runtimeBundleFiles } from "./lib/concerns/runtime";
import { corednsServiceIp } from "./lib/render/nodelocaldns";
import { planBench } from "./lib/render/plan";
import { parseBenchSpec } from "./lib/spec/parse";
import { readPulumiConfig } from "./lib/spec/pulumi-config";

const { raw, privateKey } = readPulumiConfig();
const spec = parseBenchSpec(raw);
const plan = planBench(spec);
// The bundle is found (or its absence reported) before anything is registered.
const bundle = spec.packageSource === "bundle" ? locateBundle(spec.bundleDir, runtimeBundleFiles(spec)) : undefined;
const bench = new Bench(spec.id, { plan, privateKey: privateKey!, bundle });

export const benchId = spec.id;
export const nodes = bench.nodeTable;
export const serviceIps = {
  kubernetes: spec.network.kubernetesServiceIp,
  kubeDns: spec.network.corednsIp,
  coredns: corednsServiceIp(spec),
  nodeLocalDns: spec.network.nodeLocalDnsIp,
  webserverService1: bench.webserverClusterIp,
};
export const placement = spec.placement;
export const kubeconfig = pulumi.secret(bench.cluster.kubeconfig);

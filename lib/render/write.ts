/** Writes a bench plan to a directory: what `pulumi up` would push, for review without touching a bench. */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { manifestFiles, type BenchPlan } from "./plan";

/** Writes DIR/manifests/*.yaml and DIR/hosts/<node>/{netplan.yaml,kubeadm.yaml,NN-step.sh}; returns the paths. */
export function writePlan(plan: BenchPlan, outDir: string): string[] {
  const written: string[] = [];
  const put = (rel: string, content: string, mode = 0o644) => {
    const file = path.join(outDir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content, { mode });
    written.push(rel);
  };
  for (const m of manifestFiles(plan)) {
    put(path.join("manifests", m.file.replace(/\.yml$/, ".yaml")), m.objects.map((o) => stringify(o)).join("---\n"));
  }
  for (const host of Object.values(plan.hosts)) {
    const dir = path.join("hosts", host.node.name);
    put(path.join(dir, "netplan.yaml"), host.netplan);
    put(path.join(dir, "kubeadm.yaml"), host.kubeadm);
    for (const step of host.steps) put(path.join(dir, step.file), step.script, 0o755);
  }
  return written;
}

/**
 * The kubeadm stage: init on the controller, a short-lived token and a join for each worker (one after the
 * other, so the controller-manager hands out pod prefixes in node order), the lab files, and the admin
 * kubeconfig as a secret output.
 */
import * as pulumi from "@pulumi/pulumi";
import { safeKubeconfig } from "../lib/remote/kubeconfig";
import { API_PORT } from "../lib/render/kubeadm";
import type { BenchPlan } from "../lib/render/plan";
import { StepKind, type HostStep } from "../lib/render/steps";
import { controllerOf, workersOf } from "../lib/spec/nodes";
import type { NodeName } from "../lib/spec/types";
import type { BenchHost } from "./bench-host";
import type { JoinStep } from "./join-step";
import { joinStep, remoteStep, type RemoteStep } from "./remote";

export interface KubeadmClusterArgs {
  readonly plan: BenchPlan;
  /** The hosts stage, one per node; each node's kubeadm step waits for its host. */
  readonly hosts: Readonly<Record<NodeName, BenchHost>>;
}

export class KubeadmCluster extends pulumi.ComponentResource {
  /** Admin kubeconfig the Kubernetes provider uses (secret). */
  public readonly kubeconfig: pulumi.Output<string>;
  /** Every kubeadm step: the cluster exists once all of them do. */
  public readonly steps: (RemoteStep | JoinStep)[] = [];

  constructor(name: string, args: KubeadmClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("netlab:cluster:KubeadmCluster", name, {}, opts);
    const { plan, hosts } = args;
    const controller = controllerOf(plan.spec);
    const controllerPlan = plan.hosts[controller.name];
    const stepOf = (kind: StepKind, worker?: NodeName): HostStep => {
      const step = controllerPlan.steps.find((s) => s.kind === kind && s.worker === worker);
      if (!step) throw new pulumi.ResourceError(`controller plan has no ${kind} step${worker ? ` for ${worker}` : ""}`, this);
      return step;
    };
    const onController = (suffix: string, step: HostStep, deps: pulumi.Resource[], secretOutput = false) =>
      remoteStep(`${name}-${suffix}`, { access: hosts[controller.name].access, step, secretOutput }, { parent: this, dependsOn: deps });

    const init = onController("init", stepOf(StepKind.KubeadmInit), [hosts[controller.name].ready]);
    this.steps.push(init);
    // One after the other: the controller-manager hands out pod prefixes in registration order.
    let previousJoin: pulumi.Resource = init;
    for (const worker of workersOf(plan.spec)) {
      const join = joinStep(
        `${name}-join-${worker.name}`,
        {
          worker: hosts[worker.name].access,
          controller: hosts[controller.name].access,
          join: plan.hosts[worker.name].steps.find((s) => s.kind === StepKind.KubeadmJoin)!,
          token: stepOf(StepKind.JoinToken, worker.name),
        },
        { parent: this, dependsOn: [hosts[worker.name].ready, previousJoin] },
      );
      this.steps.push(join);
      previousJoin = join;
    }
    this.steps.push(onController("lab-files", stepOf(StepKind.LabFiles), [init]));
    const fetch = onController("kubeconfig", stepOf(StepKind.Kubeconfig), [init], true);
    this.steps.push(fetch);

    const server = `https://${controller.ssh.host}:${API_PORT}`;
    this.kubeconfig = pulumi.secret(fetch.stdout.apply((text) => pointKubeconfigAt(text, server)));
    this.registerOutputs({ kubeconfig: this.kubeconfig });
  }
}

/**
 * The admin kubeconfig names the provider address; the provisioner may only reach the controller's management
 * address (a SAN of the API server certificate). It is rebuilt from the CA and the client certificate only:
 * a credential plugin or file reference planted on the controller never reaches this machine (refused).
 */
export function pointKubeconfigAt(kubeconfig: string, server: string): string {
  return safeKubeconfig(kubeconfig, server);
}

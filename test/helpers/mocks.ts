/** Pulumi mocks for the component tests: records every resource registered, answers commands plausibly. */
import * as pulumi from "@pulumi/pulumi";

export interface Recorded {
  type: string;
  name: string;
  urn: string;
  /** As Pulumi's mocks hand them over (the SDK types them `any`): each test reads the fields it asserts. */
  inputs: pulumi.runtime.MockResourceArgs["inputs"];
  provider?: string;
  /** The state the mock engine answered with: the inputs and what a provider would add (stdout, a ClusterIP). */
  state: Record<string, unknown>;
}

export const FAKE_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
  - name: room27-bench4
    cluster:
      server: https://10.27.4.12:6443
      certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkZBS0UtQ0EKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
users:
  - name: admin
    user:
      client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkZBS0UtQURNSU4KLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
      client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpGQUtFLUtFWQotLS0tLUVORCBSU0EgUFJJVkFURSBLRVktLS0tLQo=
contexts:
  - name: admin
    context: { cluster: room27-bench4, user: admin }
current-context: admin
`;

export async function installMocks(): Promise<Recorded[]> {
  const recorded: Recorded[] = [];
  let allocated = 0;
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const urn = `urn:pulumi:test::k8s-netlab::${args.type}::${args.name}`;
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "command:remote:Command" || args.type === "pulumi-nodejs:dynamic/netlab:SshStep") {
          const create = String(args.inputs.create ?? "");
          state.stdout = create.includes("60-kubeconfig.sh") ? FAKE_KUBECONFIG : create.includes("45-join-token") ? "discovery-kubeconfig-with-token" : "";
          state.stderr = "";
        }
        if (args.type === "kubernetes:core/v1:Service") {
          // As the API server does: a requested ClusterIP is kept, otherwise the next free one is given.
          state.spec = { ...args.inputs.spec, clusterIP: args.inputs.spec?.clusterIP || `10.233.12.${34 + allocated++}` };
        }
        recorded.push({ type: args.type, name: args.name, urn, inputs: args.inputs, provider: args.provider, state });
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        return args.inputs;
      },
    },
    "k8s-netlab",
    "test",
    false,
  );
  return recorded;
}

/** Resolves an Output in a test. */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply(resolve));
}

export function secretOf(o: pulumi.Output<unknown>): Promise<boolean> {
  return pulumi.isSecret(o);
}

/** Waits until the mocked engine has seen every registration. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 10));
}

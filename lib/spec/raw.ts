/**
 * The shape of a bench's stack config (keys under the `netlab:` namespace), as an instructor writes it.
 * Everything is optional here because it comes from YAML: `parseBenchSpec` checks it and fills defaults.
 */
export interface RawNodeConfig {
  /** Management address of this node; overrides the `network.managementSubnet` scheme. */
  managementIp?: unknown;
  /** Address the provisioner's SSH connection goes to. @default the management address */
  sshHost?: unknown;
  /** @default `ssh.port` */
  sshPort?: unknown;
  /** Pinned SSH host key of this node, "ssh-ed25519 AAAA...". Required to provision. */
  hostKey?: unknown;
}

export interface RawBenchConfig {
  room?: unknown;
  bench?: unknown;
  labUser?: unknown;
  kubernetesVersion?: unknown;
  containerRuntime?: unknown;
  network?: {
    podSubnet?: unknown;
    serviceSubnet?: unknown;
    nodePrefixLength?: unknown;
    managementSubnet?: unknown;
    managementPortMode?: unknown;
    providerPortMode?: unknown;
    nodeLocalDnsIp?: unknown;
    clusterDomain?: unknown;
  };
  ssh?: { user?: unknown; port?: unknown };
  /** Presence only (a KeyPresence): the key itself stays a secret and never enters the spec. */
  sshPrivateKey?: unknown;
  nodes?: Partial<Record<string, RawNodeConfig>>;
  images?: Partial<Record<string, unknown>>;
  placement?: { webserverNode?: unknown; client2Node?: unknown };
  /** Directory under which each node keeps its files (`<nodeRoot>/<node>`); unset: the node's own /. */
  nodeRoot?: unknown;
  /** "command" (@pulumi/command) or "ssh" (netlab's SshStep). */
  remoteExecutor?: unknown;
  /**
   * Where the host steps install packages, binaries and images from ("online" or "bundle"), and where the built
   * bundle is on this machine.
   */
  packages?: { source?: unknown; bundle?: unknown };
  /** Multiplier of every control-plane and readiness timeout (10 for emulated VMs). */
  timeouts?: { scale?: unknown };
}

/** The config keys a stack may set, so typos are reported instead of ignored. */
export const KNOWN_KEYS = [
  "room",
  "bench",
  "labUser",
  "kubernetesVersion",
  "containerRuntime",
  "network",
  "ssh",
  "sshPrivateKey",
  "nodes",
  "images",
  "placement",
  "nodeRoot",
  "remoteExecutor",
  "packages",
  "timeouts",
] as const;

/** Keys netlab no longer reads, with what to do instead: an older stack file is told what changed, not only "unknown". */
export const REMOVED_KEYS: Readonly<Record<string, string>> = {
  target:
    "netlab no longer has targets, every bench is provisioned the same way; remove the key " +
    "(a bench whose nodes keep their files under a directory sets netlab:nodeRoot instead)",
};

/** How a stack holds its SSH key: config readers put one of these in `sshPrivateKey`, never the key itself. */
export const KeyPresence = {
  /** Set as a Pulumi secret (`secure:` in the stack file). */
  Secret: "(secret)",
  /** Written in plain text: refused. */
  PlainText: "(plain text, not shown)",
} as const;

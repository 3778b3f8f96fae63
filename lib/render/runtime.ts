/**
 * The container runtime behind the kubelet's CRI socket, rendered per `containerRuntime`: containerd's own CRI
 * plugin, or Docker Engine behind cri-dockerd (the handout's `docker ps`, `docker inspect` and docker0).
 */
import { ContainerRuntime, type BenchSpec } from "../spec/types";

/** The pause image `kubeadm config images list` names per minor version; the runtime's sandbox image must match it. */
const PAUSE_TAGS: Readonly<Record<number, string>> = { 31: "3.10", 32: "3.10", 33: "3.10", 34: "3.10.1" };
export function pauseImage(kubernetesVersion: string): string {
  const minor = Number(kubernetesVersion.split(".")[1]);
  const tag = PAUSE_TAGS[minor];
  if (!tag) throw new Error(`no pause image known for Kubernetes ${kubernetesVersion}`);
  return `registry.k8s.io/pause:${tag}`;
}

/** The socket kubeadm, the kubelet and crictl talk to. */
const CRI_SOCKETS: Readonly<Record<ContainerRuntime, string>> = {
  [ContainerRuntime.Containerd]: "unix:///run/containerd/containerd.sock",
  // cri-dockerd's systemd socket unit listens on %t/cri-dockerd.sock (kubeadm knows it as /var/run/cri-dockerd.sock).
  [ContainerRuntime.Docker]: "unix:///run/cri-dockerd.sock",
};

export function criSocket(spec: BenchSpec): string {
  return CRI_SOCKETS[spec.containerRuntime];
}

export const DOCKER_DAEMON_FILE = "/etc/docker/daemon.json";
export const CRI_DOCKERD_SERVICE_FILE = "/etc/systemd/system/cri-docker.service";
export const CRI_DOCKERD_SOCKET_FILE = "/etc/systemd/system/cri-docker.socket";

/**
 * Docker Engine's settings, written before the package is installed so that it never starts without them:
 * - the systemd cgroup driver, as the kubelet (kubeadm's default) and containerd use;
 * - no iptables rules of its own (Kubespray's default too): Docker would set the FORWARD policy to DROP, and
 *   pod traffic between nodes is forwarded. docker0 (172.17.0.1/16) is still made, as the handout shows it.
 * - logs rotated as the kubelet expects of a runtime.
 */
export function dockerDaemonJson(): string {
  return JSON.stringify(
    {
      "exec-opts": ["native.cgroupdriver=systemd"],
      iptables: false,
      "ip-masq": false,
      "log-driver": "json-file",
      "log-opts": { "max-size": "10m", "max-file": "3" },
      "storage-driver": "overlay2",
    },
    null,
    2,
  );
}

/**
 * cri-dockerd's units, as upstream's packaging has them (socket activation, `--container-runtime-endpoint fd://`),
 * with the sandbox image kubeadm expects; its CNI defaults are the bench's (/opt/cni/bin, /etc/cni/net.d).
 */
export function criDockerdUnits(spec: BenchSpec): { service: string; socket: string } {
  const service = [
    "[Unit]",
    "Description=cri-dockerd: the kubelet's CRI for Docker Engine (installed by k8s-netlab from its bundle)",
    "After=network-online.target docker.service",
    "Wants=network-online.target",
    "Requires=cri-docker.socket docker.service",
    "StartLimitBurst=3",
    "StartLimitIntervalSec=60s",
    "",
    "[Service]",
    "Type=notify",
    `ExecStart=/usr/bin/cri-dockerd --container-runtime-endpoint fd:// --network-plugin=cni --pod-infra-container-image=${pauseImage(spec.kubernetesVersion)}`,
    "ExecReload=/bin/kill -s HUP $MAINPID",
    "TimeoutSec=0",
    "RestartSec=2",
    "Restart=always",
    "LimitNOFILE=infinity",
    "LimitNPROC=infinity",
    "LimitCORE=infinity",
    "TasksMax=infinity",
    "Delegate=yes",
    "KillMode=process",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
  ].join("\n");
  const socket = [
    "[Unit]",
    "Description=cri-dockerd's socket",
    "PartOf=cri-docker.service",
    "",
    "[Socket]",
    "ListenStream=%t/cri-dockerd.sock",
    "SocketMode=0660",
    "SocketUser=root",
    "SocketGroup=root",
    "",
    "[Install]",
    "WantedBy=sockets.target",
  ].join("\n");
  return { service, socket };
}

/** The commands students use on a node's runtime (the answer key and the errata quote them). */
export interface RuntimeCommands {
  /** Every container on the node, ID first. */
  readonly listContainers: string;
  /** A container's PID (for nsenter), CONTAINER-ID to fill in. */
  readonly containerPid: string;
  /** Where the pause containers show. */
  readonly pauseContainers: string;
}

const RUNTIME_COMMANDS: Readonly<Record<ContainerRuntime, RuntimeCommands>> = {
  [ContainerRuntime.Containerd]: {
    listContainers: "sudo crictl ps",
    containerPid: "sudo crictl inspect --output go-template --template '{{.info.pid}}' CONTAINER-ID",
    pauseContainers: "sudo crictl pods",
  },
  [ContainerRuntime.Docker]: {
    listContainers: "sudo docker ps",
    containerPid: "sudo docker inspect --format '{{ .State.Pid }}' CONTAINER-ID",
    pauseContainers: "sudo docker ps --format 'table {{.Image}}\\t{{.Command}}\\t{{.Names}}'",
  },
};

export function runtimeCommands(runtime: ContainerRuntime): RuntimeCommands {
  return RUNTIME_COMMANDS[runtime];
}

/**
 * The runtime concern as rendered for each containerRuntime: the CRI socket kubeadm, the kubelet and crictl use,
 * and for Docker its daemon.json and cri-dockerd's units, checked by systemd-analyze.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { kubeadmInitDocs, kubeadmJoinDocs } from "../../lib/render/kubeadm";
import { planBench } from "../../lib/render/plan";
import { criDockerdUnits, dockerDaemonJson } from "../../lib/render/runtime";
import { StepKind } from "../../lib/render/steps";
import { requireTool } from "../helpers/tools";
import { specFor } from "../helpers/spec";

const containerd = specFor(27, 4);
const docker = specFor(27, 4, { containerRuntime: "docker" });
const runtimeStep = (spec: typeof docker, node = "compute1") => planBench(spec).hosts[node as "compute1"].steps.find((s) => s.kind === StepKind.Runtime)!;
const dir = mkdtempSync(path.join(os.tmpdir(), "runtime-render-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the CRI socket", () => {
  it("is containerd's by default and cri-dockerd's with Docker, for kubeadm's init and join and for crictl", () => {
    for (const [spec, socket] of [
      [containerd, "unix:///run/containerd/containerd.sock"],
      [docker, "unix:///run/cri-dockerd.sock"],
    ] as const) {
      const registrations = [kubeadmInitDocs(spec)[0], kubeadmJoinDocs(spec, spec.nodes[1]!)[0]].map((d) => d!.nodeRegistration as { criSocket: string });
      expect(registrations.map((r) => r.criSocket)).toEqual([socket, socket]);
      expect(runtimeStep(spec).script).toContain(`runtime-endpoint: ${socket}`);
      expect(runtimeStep(spec).script).toContain(`NETLAB_CONTAINER_RUNTIME=${spec.containerRuntime}`);
    }
  });
});

describe("Docker Engine behind cri-dockerd", () => {
  it("containerd benches get none of it: no Docker files, no Docker expectations", () => {
    const step = runtimeStep(containerd);
    expect(Object.keys(step.expect).filter((k) => /docker/.test(k))).toEqual([]);
    expect(step.script).not.toContain("NETLAB_DOCKER_DAEMON_JSON=");
  });

  it("daemon.json: systemd cgroups as the kubelet, no iptables rules of Docker's own, docker0 left on its default", () => {
    const daemon = JSON.parse(dockerDaemonJson());
    expect(daemon).toMatchObject({ "exec-opts": ["native.cgroupdriver=systemd"], iptables: false, "ip-masq": false });
    expect(daemon.bip, "docker0 keeps 172.17.0.1/16, as the handout shows it").toBeUndefined();
    const step = runtimeStep(docker);
    expect(step.expect).toMatchObject({ "docker-cgroup-driver": "systemd", "cri-dockerd": "active" });
    expect(Object.keys(step.expect)).toEqual(
      expect.arrayContaining(["file:/etc/docker/daemon.json", "file:/etc/systemd/system/cri-docker.service", "file:/etc/systemd/system/cri-docker.socket"]),
    );
  });

  it("cri-dockerd's units pass systemd-analyze verify, with kubeadm's pause image as the sandbox", () => {
    const analyze = requireTool("systemd-analyze");
    const units = criDockerdUnits(docker);
    expect(units.service).toContain("--pod-infra-container-image=registry.k8s.io/pause:3.10.1");
    expect(units.service).toMatch(/^ExecStart=\/usr\/bin\/cri-dockerd --container-runtime-endpoint fd:\/\/ /m);
    expect(units.socket).toContain("ListenStream=%t/cri-dockerd.sock");
    // verify resolves ExecStart's binary and the units named in Requires=: stand-ins for them, in the same directory.
    const bin = path.join(dir, "cri-dockerd");
    writeFileSync(bin, "#!/bin/sh\n", { mode: 0o755 });
    writeFileSync(path.join(dir, "docker.service"), "[Service]\nExecStart=/bin/true\n");
    writeFileSync(path.join(dir, "cri-docker.service"), units.service.replace("/usr/bin/cri-dockerd", bin));
    writeFileSync(path.join(dir, "cri-docker.socket"), units.socket);
    const r = spawnSync(analyze, ["verify", "--man=no", path.join(dir, "cri-docker.service"), path.join(dir, "cri-docker.socket")], {
      encoding: "utf8",
      env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:` },
    });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(`${r.stdout}${r.stderr}`, "not even a warning").toBe("");
    // A broken unit fails the same check.
    writeFileSync(path.join(dir, "cri-docker.service"), units.service.replace("Type=notify", "Type=sometimes"));
    const bad = spawnSync(analyze, ["verify", "--man=no", path.join(dir, "cri-docker.service")], {
      encoding: "utf8",
      env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:` },
    });
    expect(`${bad.stdout}${bad.stderr}`).toMatch(/Failed to parse service type/);
  });

  it("the kubeadm config of a Docker bench parses and names cri-dockerd's socket in both documents", () => {
    const init = runtimeStep(docker, "controller");
    expect(init.script).toContain("NETLAB_CRI_DOCKERD_SERVICE=");
    const step = planBench(docker).hosts.controller.steps.find((s) => s.kind === StepKind.KubeadmInit)!;
    const yaml = /NETLAB_KUBEADM_YAML='([^']*)'/.exec(step.script)?.[1];
    expect(yaml, "the kubeadm file in the init step").toBeDefined();
    const docs = yaml!.split(/^---$/m).map((d) => parse(d) as { kind: string; nodeRegistration?: { criSocket: string } });
    expect(docs.find((d) => d.kind === "InitConfiguration")?.nodeRegistration?.criSocket).toBe("unix:///run/cri-dockerd.sock");
  });
});

/**
 * A worker's join across two nodes (components/join-step.ts `join`), with runSsh mocked: what runs where, in which
 * order, and that the discovery kubeconfig (it carries the bootstrap token) travels on standard input only.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { join, type JoinStepState } from "../../components/join-step";
import { runSsh, type SshConnection } from "../../lib/remote/ssh";
import { HOST_KEY } from "../helpers/spec";

vi.mock("../../lib/remote/ssh", () => ({ runSsh: vi.fn() }));
const ssh = vi.mocked(runSsh);

const TOKEN = "abcdef.0123456789abcdef";
const DISCOVERY = `apiVersion: v1\nkind: Config\nusers:\n- name: tls-bootstrap\n  user:\n    token: ${TOKEN}\n`;
const connection = (node: string, host: string): SshConnection => ({ node, host, port: 22, user: "root", privateKey: "KEY", hostKey: HOST_KEY });
const worker = connection("compute2", "192.168.7.32");
const controller = connection("controller", "192.168.7.12");

const state: JoinStepState = {
  node: "compute2",
  worker,
  controller,
  joined: "bash -c '...' 40-kubeadm-join.sh joined",
  mint: "bash -c '...' 45-join-token-compute2.sh create",
  create: "bash -c '...' 40-kubeadm-join.sh create",
  finish: "bash -c '...' 45-join-token-compute2.sh finish",
  delete: "bash -c '...' 40-kubeadm-join.sh delete",
  check: "bash -c '...' 40-kubeadm-join.sh check",
  expect: { "kube-proxy-mode": "ipvs" },
  triggers: ["sha256:aaaa", "sha256:bbbb"],
};

/** The nodes answer: the worker's `joined` with `joined`, the controller's mint with DISCOVERY, the check with one key. */
function answer(joined: "joined" | "not-joined", finish: () => string = () => "") {
  ssh.mockImplementation(async (_c, command) => {
    if (command === state.joined) return `${joined}\n`;
    if (command === state.mint) return DISCOVERY;
    if (command === state.finish) return finish();
    if (command === state.check) return "kube-proxy-mode=ipvs\n";
    return "";
  });
}

beforeEach(() => ssh.mockReset());

describe("JoinStep's join", () => {
  it("a worker not joined yet: probe, mint on the controller, join with the discovery kubeconfig on stdin, finish, check", async () => {
    answer("not-joined");
    expect(await join(state)).toEqual({ "kube-proxy-mode": "ipvs" });
    expect(ssh.mock.calls).toEqual([
      [worker, state.joined, undefined],
      [controller, state.mint, undefined],
      [worker, state.create, DISCOVERY],
      [controller, state.finish, undefined],
      [worker, state.check, undefined],
    ]);
  });

  it("never puts the token in a command line", async () => {
    answer("not-joined");
    await join(state);
    for (const [, command] of ssh.mock.calls) expect(command).not.toContain(TOKEN);
  });

  it("a worker already joined: no token minted, nothing on the join's stdin", async () => {
    answer("joined");
    await join(state);
    expect(ssh.mock.calls.map(([c, command]) => [c.node, command])).toEqual([
      ["compute2", state.joined],
      ["compute2", state.create],
      ["controller", state.finish],
      ["compute2", state.check],
    ]);
    expect(ssh.mock.calls[1]![2]).toBe("");
  });

  it("fails when the controller's finish fails (the pod prefix is not the planned one), without checking", async () => {
    answer("not-joined", () => {
      throw new Error("compute2 has pod prefix '10.233.67.0/24', the plan says 10.233.66.0/24");
    });
    await expect(join(state)).rejects.toThrow("the plan says 10.233.66.0/24");
    expect(ssh.mock.calls.map(([, command]) => command)).not.toContain(state.check);
  });
});

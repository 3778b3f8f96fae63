/**
 * SshStep's provider diff (components/ssh-step.ts): which changes re-run the step (an update), which change
 * nothing, and that none replaces it. Also the two helpers it rests on: the connection rule and the parser of
 * the `check` output.
 */
import { describe, expect, it } from "vitest";
import { connectionChanged, diffSshStep, parseCheck, type SshStepState } from "../../components/ssh-step";
import { HOST_KEY } from "../helpers/spec";

const connection = { node: "compute2", host: "192.168.4.32", port: 22, user: "user", privateKey: "KEY-A", hostKey: HOST_KEY };

/** A step as the provider last recorded it: created, checked, and found as expected. */
function recorded(): SshStepState {
  return {
    node: "compute2",
    connection: { ...connection },
    create: "bash -c '...' 10-base-os.sh create",
    delete: "bash -c '...' 10-base-os.sh delete",
    check: "bash -c '...' 10-base-os.sh check",
    expect: { "sysctl:net.ipv4.ip_forward": "1", "file:/etc/sysctl.d/90-netlab.conf": "present" },
    triggers: ["sha256:aaaa"],
    stdout: "done\n",
    observed: { "sysctl:net.ipv4.ip_forward": "1", "file:/etc/sysctl.d/90-netlab.conf": "present" },
  };
}

/** The new inputs of the next `up`: no outputs yet (stdout and observed are the provider's). */
function inputs(change: Partial<SshStepState> = {}): SshStepState {
  const { stdout: _stdout, observed: _observed, ...rest } = recorded();
  return { ...rest, ...change };
}

const UPDATE = { changes: true, replaces: [], deleteBeforeReplace: true };
const NO_CHANGE = { changes: false, replaces: [], deleteBeforeReplace: true };

describe("SshStep diff", () => {
  it("an unchanged step on a host in its expected state: no change", () => {
    expect(diffSshStep(recorded(), inputs())).toEqual(NO_CHANGE);
  });

  it.each<[string, Partial<SshStepState>]>([
    ["the node", { node: "compute3" }],
    ["the create command", { create: "bash -c '...' 10-base-os.sh create --again" }],
    ["the delete command", { delete: "true" }],
    ["the check command", { check: "bash -c '...' 10-base-os.sh check --verbose" }],
    ["stdin", { stdin: "new input" }],
    ["a trigger (the content hash of what it installs)", { triggers: ["sha256:bbbb"] }],
    ["a trigger added", { triggers: ["sha256:aaaa", "sha256:cccc"] }],
    ["the expected host state", { expect: { "sysctl:net.ipv4.ip_forward": "1" } }],
    ["an expected value", { expect: { "sysctl:net.ipv4.ip_forward": "0", "file:/etc/sysctl.d/90-netlab.conf": "present" } }],
  ])("a change of %s re-runs create as an update, never a replacement", (_what, change) => {
    expect(diffSshStep(recorded(), inputs(change))).toEqual(UPDATE);
  });

  it.each<[string, Partial<typeof connection>]>([
    ["host", { host: "192.168.4.42" }],
    ["port", { port: 2222 }],
    ["user", { user: "root" }],
    ["host key", { hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherHostKeyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX" }],
    ["private key", { privateKey: "KEY-B" }],
  ])("a connection to another %s is an update", (_what, change) => {
    expect(diffSshStep(recorded(), inputs({ connection: { ...connection, ...change } }))).toEqual(UPDATE);
  });

  it("the connection's node label alone changes nothing (it names the node in messages only)", () => {
    expect(diffSshStep(recorded(), inputs({ connection: { ...connection, node: "renamed" } }))).toEqual(NO_CHANGE);
  });

  it("no stdin and an empty stdin are the same", () => {
    expect(diffSshStep({ ...recorded(), stdin: undefined }, inputs({ stdin: "" }))).toEqual(NO_CHANGE);
    expect(diffSshStep({ ...recorded(), stdin: "" }, inputs({ stdin: undefined }))).toEqual(NO_CHANGE);
  });

  it("stdout, an output, is not compared", () => {
    expect(diffSshStep({ ...recorded(), stdout: "something else" }, inputs())).toEqual(NO_CHANGE);
  });

  it("a refresh that found the host drifted makes the next up an update", () => {
    const drifted = { ...recorded(), observed: { "sysctl:net.ipv4.ip_forward": "0", "file:/etc/sysctl.d/90-netlab.conf": "present" } };
    expect(diffSshStep(drifted, inputs())).toEqual(UPDATE);
    const gone = { ...recorded(), observed: { "sysctl:net.ipv4.ip_forward": "1" } };
    expect(diffSshStep(gone, inputs())).toEqual(UPDATE);
  });

  it("a step never checked (no observation recorded) is an update", () => {
    expect(diffSshStep({ ...recorded(), observed: undefined }, inputs())).toEqual(UPDATE);
  });

  it("extra observations are ignored; any other value of an expected one is drift, whatever it says", () => {
    const extra = { ...recorded(), observed: { ...recorded().observed, "other:key": "x" } };
    expect(diffSshStep(extra, inputs())).toEqual(NO_CHANGE);
    const unseen = { ...recorded(), observed: { ...recorded().observed, "sysctl:net.ipv4.ip_forward": "not-observable" } };
    expect(diffSshStep(unseen, inputs())).toEqual(UPDATE);
  });

  it("a changed expectation is an update even when the host already matches it; recorded, it is no drift", () => {
    // The host shows ip_forward=0 and the step now expects exactly that: the change of `expect` alone updates it...
    const old = { ...recorded(), observed: { "sysctl:net.ipv4.ip_forward": "0", "file:/etc/sysctl.d/90-netlab.conf": "present" } };
    const now = { "sysctl:net.ipv4.ip_forward": "0", "file:/etc/sysctl.d/90-netlab.conf": "present" };
    expect(diffSshStep(old, inputs({ expect: now }))).toEqual(UPDATE);
    // ... and once recorded with that expectation, the same observation is no drift.
    expect(diffSshStep({ ...old, expect: now }, inputs({ expect: now }))).toEqual(NO_CHANGE);
  });
});

describe("connectionChanged", () => {
  it("is true for another host, port, user, host key or private key, false for the same or only a new label", () => {
    expect(connectionChanged(connection, { ...connection })).toBe(false);
    expect(connectionChanged(connection, { ...connection, node: "label" })).toBe(false);
    for (const change of [{ host: "h" }, { port: 1 }, { user: "u" }, { hostKey: "k" }, { privateKey: "p" }]) {
      expect(connectionChanged(connection, { ...connection, ...change }), JSON.stringify(change)).toBe(true);
    }
  });
});

describe("parseCheck", () => {
  it("reads key=value lines; the value keeps every later '='; other lines are skipped", () => {
    const text = "sysctl:net.ipv4.ip_forward=1\nfile:/etc/x=present\nnoise without equals\n=no key\nroute:10.233.65.0/24=via 10.27.4.22 a=b\n\n";
    expect(parseCheck(text)).toEqual({
      "sysctl:net.ipv4.ip_forward": "1",
      "file:/etc/x": "present",
      "route:10.233.65.0/24": "via 10.27.4.22 a=b",
    });
  });

  it("an empty value is kept (present and empty is not missing), a later line wins", () => {
    expect(parseCheck("a=\nb=1\nb=2")).toEqual({ a: "", b: "2" });
    expect(parseCheck("")).toEqual({});
  });
});

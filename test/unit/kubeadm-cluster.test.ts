/**
 * pointKubeconfigAt (components/kubeadm-cluster.ts): the admin kubeconfig fetched from the controller names the
 * provider address; the provisioner reaches the API server at the controller's management address. The result
 * is what kubectl reads. (What it refuses, planted credential plugins and the like: test/unit/kubeconfig.test.ts.)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { pointKubeconfigAt } from "../../components/kubeadm-cluster";
import { KubeconfigError } from "../../lib/remote/kubeconfig";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const CA = b64("-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n");
const CERT = b64("-----BEGIN CERTIFICATE-----\nADMIN\n-----END CERTIFICATE-----\n");
const KEY = b64("-----BEGIN RSA PRIVATE KEY-----\nKEY\n-----END RSA PRIVATE KEY-----\n");
const PROVIDER = "https://10.27.4.12:6443";
const MANAGEMENT = "https://192.168.4.12:6443";

/** kubeadm's admin.conf as written on the controller. */
const ADMIN_CONF = stringify({
  apiVersion: "v1",
  kind: "Config",
  preferences: {},
  clusters: [{ name: "kubernetes", cluster: { server: PROVIDER, "certificate-authority-data": CA } }],
  users: [{ name: "kubernetes-admin", user: { "client-certificate-data": CERT, "client-key-data": KEY } }],
  contexts: [{ name: "kubernetes-admin@kubernetes", context: { cluster: "kubernetes", user: "kubernetes-admin" } }],
  "current-context": "kubernetes-admin@kubernetes",
});

const tmp = mkdtempSync(path.join(os.tmpdir(), "netlab-point-kc-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** What kubectl itself reads from a kubeconfig: `kubectl config view` of the current context. */
function kubectlView(text: string, jsonpath: string): string {
  const file = path.join(tmp, "config");
  writeFileSync(file, text, { mode: 0o600 });
  return execFileSync("kubectl", ["config", "view", `--kubeconfig=${file}`, "--minify", "--raw", "-o", `jsonpath=${jsonpath}`], { encoding: "utf8" });
}

describe("pointKubeconfigAt", () => {
  it("replaces the server with the management address and keeps the CA and the client certificate byte for byte", () => {
    const out = parse(pointKubeconfigAt(ADMIN_CONF, MANAGEMENT));
    expect(out.clusters).toEqual([{ name: "kubernetes", cluster: { server: MANAGEMENT, "certificate-authority-data": CA } }]);
    expect(out.users).toEqual([{ name: "kubernetes-admin", user: { "client-certificate-data": CERT, "client-key-data": KEY } }]);
    expect(out.contexts).toEqual([{ name: "kubernetes-admin@kubernetes", context: { cluster: "kubernetes", user: "kubernetes-admin" } }]);
    expect(out["current-context"]).toBe("kubernetes-admin@kubernetes");
    expect(pointKubeconfigAt(ADMIN_CONF, MANAGEMENT)).not.toContain("10.27.4.12");
  });

  it("is what kubectl reads: the management server, the context's cluster and user, the same credentials", () => {
    const text = pointKubeconfigAt(ADMIN_CONF, MANAGEMENT);
    expect(kubectlView(text, "{.clusters[0].cluster.server}")).toBe(MANAGEMENT);
    expect(kubectlView(text, "{.contexts[0].context.cluster}/{.contexts[0].context.user}")).toBe("kubernetes/kubernetes-admin");
    expect(kubectlView(text, "{.users[0].user.client-certificate-data}")).toBe(CERT);
    expect(kubectlView(text, "{.clusters[0].cluster.certificate-authority-data}")).toBe(CA);
    // The fetched file itself names the provider address: the rewrite is what changes it.
    expect(kubectlView(ADMIN_CONF, "{.clusters[0].cluster.server}")).toBe(PROVIDER);
  });

  it("is stable: pointing the result again changes nothing, pointing it elsewhere changes only the server", () => {
    const once = pointKubeconfigAt(ADMIN_CONF, MANAGEMENT);
    expect(pointKubeconfigAt(once, MANAGEMENT)).toBe(once);
    const elsewhere = pointKubeconfigAt(once, "https://192.168.4.13:6443");
    expect(elsewhere).toBe(once.replace(MANAGEMENT, "https://192.168.4.13:6443"));
  });

  it("keeps only the current context's cluster and user when the file holds several", () => {
    const doc = parse(ADMIN_CONF);
    doc.clusters.push({ name: "other", cluster: { server: "https://203.0.113.9:6443", "certificate-authority-data": CA } });
    doc.users.push({ name: "other-admin", user: { "client-certificate-data": CERT, "client-key-data": KEY } });
    doc.contexts.push({ name: "other-admin@other", context: { cluster: "other", user: "other-admin" } });
    doc["current-context"] = "other-admin@other";
    const out = parse(pointKubeconfigAt(stringify(doc), MANAGEMENT));
    expect(out.clusters).toEqual([{ name: "other", cluster: { server: MANAGEMENT, "certificate-authority-data": CA } }]);
    expect(out.users.map((u: { name: string }) => u.name)).toEqual(["other-admin"]);
    expect(out["current-context"]).toBe("other-admin@other");
  });

  it("takes the only context when none is current, and refuses to guess among several", () => {
    const doc = parse(ADMIN_CONF);
    delete doc["current-context"];
    expect(parse(pointKubeconfigAt(stringify(doc), MANAGEMENT))["current-context"]).toBe("kubernetes-admin@kubernetes");
    doc.contexts.push({ name: "second", context: { cluster: "kubernetes", user: "kubernetes-admin" } });
    expect(() => pointKubeconfigAt(stringify(doc), MANAGEMENT)).toThrow(KubeconfigError);
    expect(() => pointKubeconfigAt(stringify(doc), MANAGEMENT)).toThrow("it names no current-context");
  });

  it("leaves an empty kubeconfig empty (a preview, before the step has run)", () => {
    expect(pointKubeconfigAt("", MANAGEMENT)).toBe("");
    expect(pointKubeconfigAt("\n", MANAGEMENT)).toBe("\n");
  });

  it("refuses what is not a kubeconfig, saying so", () => {
    expect(() => pointKubeconfigAt("clusters: [unclosed", MANAGEMENT)).toThrow(/it is not YAML/);
    expect(() => pointKubeconfigAt("just text", MANAGEMENT)).toThrow(KubeconfigError);
  });
});

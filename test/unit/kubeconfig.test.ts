/**
 * The controller's kubeconfig as a trojan: a planted `exec` credential plugin (or auth-provider, file reference,
 * token) is refused with a clear message, and never runs: kubectl is given only what netlab rebuilt.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { pointKubeconfigAt } from "../../components/kubeadm-cluster";
import { KubeconfigError, safeKubeconfig } from "../../lib/remote/kubeconfig";
import { readClusterState } from "../../lib/facts/cluster-state";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const CA = b64("-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n");
const CERT = b64("-----BEGIN CERTIFICATE-----\nADMIN\n-----END CERTIFICATE-----\n");
const KEY = b64("-----BEGIN RSA PRIVATE KEY-----\nKEY\n-----END RSA PRIVATE KEY-----\n");
const tmp = mkdtempSync(path.join(os.tmpdir(), "netlab-kc-test-"));
const marker = path.join(tmp, "plugin-ran");
const plugin = path.join(tmp, "plugin.sh");
const credential = '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"x"}}';
writeFileSync(plugin, `#!/bin/sh\ntouch ${marker}\necho '${credential}'\n`, { mode: 0o755 });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** kubeadm's admin.conf, with `user` as the admin's credentials. */
function adminConf(user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "kubernetes", cluster: { server: "https://10.27.4.12:6443", "certificate-authority-data": CA, ...cluster } }],
    users: [{ name: "kubernetes-admin", user }],
    contexts: [{ name: "kubernetes-admin@kubernetes", context: { cluster: "kubernetes", user: "kubernetes-admin" } }],
    "current-context": "kubernetes-admin@kubernetes",
  });
}
const EXEC = { exec: { apiVersion: "client.authentication.k8s.io/v1", command: plugin, interactiveMode: "Never" } };

describe("kubeconfig from the controller", () => {
  it("is rebuilt from the CA, the server and the client certificate only", () => {
    const out = parse(pointKubeconfigAt(adminConf({ "client-certificate-data": CERT, "client-key-data": KEY }), "https://192.168.4.12:6443"));
    expect(out.clusters).toEqual([{ name: "kubernetes", cluster: { server: "https://192.168.4.12:6443", "certificate-authority-data": CA } }]);
    expect(out.users).toEqual([{ name: "kubernetes-admin", user: { "client-certificate-data": CERT, "client-key-data": KEY } }]);
    expect(Object.keys(out).sort()).toEqual(["apiVersion", "clusters", "contexts", "current-context", "kind", "users"]);
  });

  it.each([
    [
      "an exec credential plugin",
      { ...EXEC, "client-certificate-data": CERT, "client-key-data": KEY },
      'user "kubernetes-admin" has `exec` (a credential plugin that would run on this machine)',
    ],
    ["an auth-provider", { "auth-provider": { name: "oidc", config: {} } }, 'user "kubernetes-admin" has `auth-provider` (a credential plugin'],
    [
      "a client certificate file",
      { "client-certificate": "/etc/shadow", "client-key": "/etc/shadow" },
      'user "kubernetes-admin" has `client-certificate`, `client-key`',
    ],
    ["a token file", { tokenFile: "/var/run/secrets/token" }, 'user "kubernetes-admin" has `tokenFile`'],
    ["a token", { token: "abc" }, 'user "kubernetes-admin" has `token`'],
  ])("refuses %s, saying what and how to fix it", (_what, user, message) => {
    expect(() => pointKubeconfigAt(adminConf(user), "https://192.168.4.12:6443")).toThrow(KubeconfigError);
    expect(() => pointKubeconfigAt(adminConf(user), "https://192.168.4.12:6443")).toThrow(message);
    expect(() => pointKubeconfigAt(adminConf(user), "https://192.168.4.12:6443")).toThrow(/kubeadm init phase kubeconfig admin/);
  });

  it("refuses cluster-side redirections: a CA file, a proxy, skipping TLS verification", () => {
    const user = { "client-certificate-data": CERT, "client-key-data": KEY };
    expect(() => safeKubeconfig(adminConf(user, { "certificate-authority": "/tmp/ca" }))).toThrow('cluster "kubernetes" has `certificate-authority`');
    expect(() => safeKubeconfig(adminConf(user, { "proxy-url": "http://evil:3128" }))).toThrow('cluster "kubernetes" has `proxy-url`');
    expect(() => safeKubeconfig(adminConf(user, { "insecure-skip-tls-verify": true }))).toThrow("`insecure-skip-tls-verify`");
  });

  it("a planted exec plugin does not run: kubectl is never reached with it", async () => {
    // Sanity: kubectl itself would run the plugin if given this file as it is.
    const raw = path.join(tmp, "raw.conf");
    const runnable = adminConf(EXEC)
      .replace("https://10.27.4.12:6443", "https://127.0.0.1:9")
      .replace(`certificate-authority-data: ${CA}`, "insecure-skip-tls-verify: true");
    writeFileSync(raw, runnable, { mode: 0o600 });
    spawnSync("kubectl", [`--kubeconfig=${raw}`, "--request-timeout=2s", "get", "nodes"], { encoding: "utf8" });
    expect(existsSync(marker), "kubectl runs an exec plugin from a raw kubeconfig").toBe(true);
    rmSync(marker);
    await expect(readClusterState(adminConf(EXEC))).rejects.toThrow(/refused: user "kubernetes-admin" has `exec`/);
    expect(existsSync(marker)).toBe(false);
    expect(execFileSync("ls", [tmp], { encoding: "utf8" })).not.toContain("plugin-ran");
  });
});

/**
 * The admin kubeconfig comes from the controller, a machine students are root on: whatever it holds besides the
 * cluster's CA and an embedded client certificate (an `exec` credential plugin, an `auth-provider`, a file
 * reference, a proxy, a token) would be acted on by kubectl or the Kubernetes provider on the instructor's
 * machine. It is never passed on as it is: a fresh kubeconfig is built from the CA, the server and the client
 * certificate and key, and anything else in the selected context is refused, naming it.
 */
import { parse, stringify } from "yaml";

export class KubeconfigError extends Error {
  constructor(what: string) {
    super(
      `kubeconfig from the controller's /etc/kubernetes/admin.conf refused: ${what}; netlab accepts only the cluster's ` +
        "certificate-authority-data and server and an embedded client certificate (client-certificate-data, client-key-data). " +
        "On the controller, move the file aside and regenerate it with `kubeadm init phase kubeconfig admin`, then run `netlab up` again",
    );
    this.name = "KubeconfigError";
  }
}

const CLUSTER_KEYS = ["server", "certificate-authority-data"];
const USER_KEYS = ["client-certificate-data", "client-key-data"];
const NAME = /^[A-Za-z0-9@._:-]{1,253}$/;

type Named = { name?: unknown; [k: string]: unknown };

function mapping(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new KubeconfigError(`${what} is not a mapping`);
  return value as Record<string, unknown>;
}

function entry(list: unknown, name: string, key: string): Record<string, unknown> {
  const found = (Array.isArray(list) ? (list as Named[]) : []).filter((e) => e?.name === name);
  if (found.length !== 1) throw new KubeconfigError(`${key} ${JSON.stringify(name)} is ${found.length === 0 ? "missing" : "listed twice"}`);
  return mapping(found[0]![key], `${key} ${JSON.stringify(name)}`);
}

function onlyKeys(object: Record<string, unknown>, allowed: readonly string[], what: string): void {
  const extra = Object.keys(object).filter((k) => !allowed.includes(k));
  if (extra.length === 0) return;
  const plugin = extra.some((k) => k === "exec" || k === "auth-provider") ? " (a credential plugin that would run on this machine)" : "";
  throw new KubeconfigError(`${what} has ${extra.map((k) => `\`${k}\``).join(", ")}${plugin}`);
}

function pemData(value: unknown, what: string, marker: RegExp): string {
  const text = typeof value === "string" ? Buffer.from(value, "base64").toString("utf8") : "";
  if (!marker.test(text)) throw new KubeconfigError(`${what} is not base64 of a PEM block`);
  return value as string;
}

/** The selected context's cluster and user, checked; throws KubeconfigError for anything else. */
function selected(doc: Record<string, unknown>): { cluster: string; user: string; server: string; ca: string; cert: string; key: string } {
  const contexts = Array.isArray(doc.contexts) ? (doc.contexts as Named[]) : [];
  const named = doc["current-context"];
  const current = typeof named === "string" && named !== "" ? named : contexts.length === 1 ? contexts[0]?.name : undefined;
  if (typeof current !== "string") throw new KubeconfigError("it names no current-context");
  const context = entry(doc.contexts, current, "context");
  onlyKeys(context, ["cluster", "user", "namespace"], `context ${JSON.stringify(current)}`);
  const [clusterName, userName] = [context.cluster, context.user];
  if (typeof clusterName !== "string" || !NAME.test(clusterName) || typeof userName !== "string" || !NAME.test(userName)) {
    throw new KubeconfigError(`context ${JSON.stringify(current)} does not name a cluster and a user`);
  }
  const cluster = entry(doc.clusters, clusterName, "cluster");
  onlyKeys(cluster, CLUSTER_KEYS, `cluster ${JSON.stringify(clusterName)}`);
  const user = entry(doc.users, userName, "user");
  onlyKeys(user, USER_KEYS, `user ${JSON.stringify(userName)}`);
  const server = cluster.server;
  if (typeof server !== "string" || !/^https:\/\/[A-Za-z0-9.:[\]-]+(:\d+)?\/?$/.test(server)) {
    throw new KubeconfigError(`cluster ${JSON.stringify(clusterName)} has no https server address`);
  }
  return {
    cluster: clusterName,
    user: userName,
    server,
    ca: pemData(cluster["certificate-authority-data"], "certificate-authority-data", /-----BEGIN CERTIFICATE-----/),
    cert: pemData(user["client-certificate-data"], "client-certificate-data", /-----BEGIN CERTIFICATE-----/),
    key: pemData(user["client-key-data"], "client-key-data", /-----BEGIN [A-Z ]*PRIVATE KEY-----/),
  };
}

/**
 * A kubeconfig holding only the CA, the server (`server` when given) and the client certificate of `text`'s
 * current context. Empty text (a preview, before the step ran) stays empty.
 */
export function safeKubeconfig(text: string, server?: string): string {
  if (text.trim() === "") return text;
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 10 });
  } catch (e) {
    throw new KubeconfigError(`it is not YAML (${(e as Error).message.split("\n")[0]})`);
  }
  const s = selected(mapping(doc, "the document"));
  const context = `${s.user}@${s.cluster}`;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: s.cluster, cluster: { server: server ?? s.server, "certificate-authority-data": s.ca } }],
    users: [{ name: s.user, user: { "client-certificate-data": s.cert, "client-key-data": s.key } }],
    contexts: [{ name: context, context: { cluster: s.cluster, user: s.user } }],
    "current-context": context,
  });
}

/** Certificates and keys of the simulated control plane, made with openssl (kept across restarts). */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { run } from "./exec";

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
const DAYS = ["-days", "30"];

export interface Pki {
  readonly dir: string;
  file(name: string): string;
}

/** Creates (once) the CA, the API server's serving cert, an admin client cert, the front-proxy pair and the SA keys. */
export async function ensurePki(dir: string, context: string, serverSans: readonly string[]): Promise<Pki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const f = (name: string) => path.join(dir, name);
  const ssl = (args: string[]) => run(`${context}: openssl`, "openssl", args);
  const signed = async (name: string, subject: string, ca: string, ext: string) => {
    if (existsSync(f(`${name}.crt`))) return;
    writeFileSync(f(`${name}.ext`), ext);
    await ssl(["req", ...EC, "-keyout", f(`${name}.key`), "-out", f(`${name}.csr`), "-subj", subject]);
    await ssl([
      "x509",
      "-req",
      "-in",
      f(`${name}.csr`),
      "-CA",
      f(`${ca}.crt`),
      "-CAkey",
      f(`${ca}.key`),
      "-CAcreateserial",
      ...DAYS,
      "-extfile",
      f(`${name}.ext`),
      "-out",
      f(`${name}.crt`),
    ]);
  };
  for (const [ca, cn] of [
    ["ca", "netlab-sim-ca"],
    ["front-proxy-ca", "netlab-sim-front-proxy-ca"],
  ]) {
    if (!existsSync(f(`${ca}.crt`))) await ssl(["req", "-x509", ...EC, ...DAYS, "-keyout", f(`${ca}.key`), "-out", f(`${ca}.crt`), "-subj", `/CN=${cn}`]);
  }
  const sans = serverSans.map((s) => (/^[\d.]+$/.test(s) ? `IP:${s}` : `DNS:${s}`)).join(",");
  await signed("apiserver", "/CN=kube-apiserver", "ca", `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\n`);
  // O=system:masters, as kubeadm's admin.conf: the instructor's identity.
  await signed("admin", "/O=system:masters/CN=kubernetes-admin", "ca", "extendedKeyUsage=clientAuth\n");
  await signed("front-proxy-client", "/CN=front-proxy-client", "front-proxy-ca", "extendedKeyUsage=clientAuth\n");
  if (!existsSync(f("sa.key"))) {
    await ssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", f("sa.key")]);
    await ssl(["pkey", "-in", f("sa.key"), "-pubout", "-out", f("sa.pub")]);
  }
  return { dir, file: f };
}

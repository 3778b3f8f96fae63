/**
 * The provisioner's ed25519 key pair, generated in memory and written out in OpenSSH's own private key format
 * ("openssh-key-v1", unencrypted), so it never touches the disk in clear: it goes straight into the stack
 * config as a secret.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";

export interface SshKeyPair {
  /** "-----BEGIN OPENSSH PRIVATE KEY-----..." */
  readonly privateKey: string;
  /** "ssh-ed25519 AAAA... comment" */
  readonly publicKey: string;
}

const KEY_TYPE = "ssh-ed25519";

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** An SSH wire-format string: length, then bytes. */
function sshString(data: Buffer | string): Buffer {
  const b = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  return Buffer.concat([u32(b.length), b]);
}

/** The OpenSSH private key file and public key line of a raw ed25519 seed and public key (32 bytes each). */
export function encodeEd25519(seed: Buffer, pub: Buffer, comment: string, check: Buffer = randomBytes(4)): SshKeyPair {
  if (seed.length !== 32 || pub.length !== 32) throw new Error("ed25519 keys are 32 bytes");
  const publicBlob = Buffer.concat([sshString(KEY_TYPE), sshString(pub)]);
  const unpadded = Buffer.concat([check, check, publicBlob, sshString(Buffer.concat([seed, pub])), sshString(comment)]);
  // Padded with 1, 2, 3, ... to the cipher block size ("none": 8).
  const padding = Buffer.from(Array.from({ length: (8 - (unpadded.length % 8)) % 8 }, (_, i) => i + 1));
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0", "latin1"),
    sshString("none"), // cipher
    sshString("none"), // kdf
    sshString(""), // kdf options
    u32(1), // number of keys
    sshString(publicBlob),
    sshString(Buffer.concat([unpadded, padding])),
  ]);
  const lines = body.toString("base64").match(/.{1,70}/g) ?? [];
  return {
    privateKey: ["-----BEGIN OPENSSH PRIVATE KEY-----", ...lines, "-----END OPENSSH PRIVATE KEY-----", ""].join("\n"),
    publicKey: `${KEY_TYPE} ${publicBlob.toString("base64")} ${comment}`,
  };
}

/** A fresh key pair, in memory only. */
export function generateSshKeyPair(comment: string): SshKeyPair {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  if (!jwk.d || !jwk.x) throw new Error("ed25519 key export gave no key material");
  return encodeEd25519(Buffer.from(jwk.d, "base64url"), Buffer.from(jwk.x, "base64url"), comment);
}

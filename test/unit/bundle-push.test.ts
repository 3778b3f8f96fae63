/**
 * BundlePush over a real sshd on 127.0.0.1, into a node whose files live under a root directory: the bundle lands
 * at NODE_BUNDLE_DIR below that root (where the steps read it), verified file by file; a node that holds it
 * already is sent nothing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushBundle } from "../../components/bundle-push";
import { locateBundle, nodeBundle } from "../../lib/bundle/locate";
import { planBench } from "../../lib/render/plan";
import { NODE_BUNDLE_DIR } from "../../lib/render/steps";
import { writeStandInBundle } from "../../lib/sim/stand-in-bundle";
import { startSshd, type TestSshd } from "../helpers/sshd";
import { specFor } from "../helpers/spec";

let sshd: TestSshd;
let tmp: string;
beforeAll(async () => {
  sshd = await startSshd();
  tmp = mkdtempSync(path.join(os.tmpdir(), "netlab-push-"));
});
afterAll(() => {
  sshd?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("bundle push under a node root", () => {
  it("plans the bundle's directory below each node's root, and at NODE_BUNDLE_DIR on a bench without one", () => {
    const rooted = planBench(specFor(27, 4, { nodeRoot: "/srv/netlab/nodes" }));
    expect(rooted.hosts.compute2.bundleDir).toBe("/srv/netlab/nodes/compute2/var/lib/netlab/bundle");
    expect(planBench(specFor(27, 4)).hosts.compute2.bundleDir).toBe(NODE_BUNDLE_DIR);
  });

  it("writes the bundle there, checked against its sums, and sends nothing to a node that holds it", async () => {
    const spec = specFor(27, 4, { nodeRoot: path.join(tmp, "nodes") });
    const bundle = locateBundle(writeStandInBundle(path.join(tmp, "bundle"), spec.kubernetesVersion));
    const held = nodeBundle(bundle, false);
    const remoteDir = planBench(spec).hosts.compute1.bundleDir;
    expect(remoteDir).toBe(path.join(tmp, "nodes", "compute1", "var", "lib", "netlab", "bundle"));
    const state = { node: "compute1", connection: sshd.connection, localDir: bundle.dir, ...held, remoteDir };

    expect(await pushBundle(state)).toBe(held.digest);
    expect(readFileSync(path.join(remoteDir, ".digest"), "utf8")).toBe(`${held.digest}\n`);
    expect(readFileSync(path.join(remoteDir, ".sums"), "utf8")).toBe(held.sums);
    for (const file of held.files) expect(existsSync(path.join(remoteDir, file)), file).toBe(true);
    expect(statSync(path.join(remoteDir, "bin", "kubeadm")).mode & 0o111).not.toBe(0);
    expect(existsSync(`${remoteDir}.new`)).toBe(false);

    const stamp = statSync(path.join(remoteDir, ".digest")).ino;
    expect(await pushBundle(state)).toBe(held.digest);
    expect(statSync(path.join(remoteDir, ".digest")).ino).toBe(stamp);
  });
});

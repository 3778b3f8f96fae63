/** Finding a bench's nodes by role, and where their files live: the one place every caller asks. */
import { NodeRole, type BenchSpec, type NodeSpec } from "./types";

/** The bench's control-plane node (the parser always derives exactly one: "controller"). */
export function controllerOf(spec: BenchSpec): NodeSpec {
  return spec.nodes.find((n) => n.role === NodeRole.ControlPlane)!;
}

/** The worker nodes, in join order. */
export function workersOf(spec: BenchSpec): NodeSpec[] {
  return spec.nodes.filter((n) => n.role === NodeRole.Worker);
}

/**
 * Where a node's files live, as the node steps and the instructor's commands name them: `<nodeRoot>/<node>` when
 * the bench's nodes keep their files under a root directory (netlab:nodeRoot), else "" (i.e. /).
 */
export function nodeRoot(spec: BenchSpec, node: string): string {
  return spec.nodeRoot === "" ? "" : `${spec.nodeRoot}/${node}`;
}

/** The lab user's home on the controller, as the instructor's machine reaches it (under the node's root in simulation). */
export function labHome(spec: BenchSpec): string {
  return `${nodeRoot(spec, controllerOf(spec).name)}/home/${spec.labUser}`;
}

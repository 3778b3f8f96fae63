/**
 * Host drift: what a step's check printed on its node ("key=value" lines) against what the step expects. Pure;
 * read by the SshStep and JoinStep providers' diff (an update when a host drifted) and by `netlab preview`.
 */

/** One difference between a host and its expected state. */
export interface HostDrift {
  readonly what: string;
  readonly expected: string;
  readonly found: string;
}

/** Every expected key the host shows otherwise (or not at all: "missing"). */
export function hostDrift(expect: Record<string, string>, observed: Record<string, string> | undefined): HostDrift[] {
  return Object.entries(expect)
    .map(([what, expected]) => ({ what, expected, found: observed?.[what] ?? "missing" }))
    .filter((d) => d.found !== d.expected);
}

/** Image references of the lab (distribution's reference grammar): a name, and pinned by tag or digest. */
import { DEFAULT_IMAGES } from "./defaults";
import { Problems, show } from "./problems";
import type { ImageSpec } from "./types";

const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN = "(?:localhost|[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)+|[a-zA-Z0-9-]+:[0-9]+)(?::[0-9]+)?";
const REFERENCE = new RegExp(`^(?:${DOMAIN}/)?(?<name>${COMPONENT}(?:/${COMPONENT})*)(?<tag>:[\\w][\\w.-]{0,127})?(?<digest>@sha256:[a-f0-9]{64})?$`);
/** distribution: a repository name of at most 255 characters. */
const MAX_NAME = 255;

/** Why a reference is refused, or undefined. */
export function imageProblem(value: unknown, example: string): string | undefined {
  if (typeof value !== "string") return `${show(value)} is not an image reference; write registry/path/name:tag, e.g. "${example}"`;
  const m = REFERENCE.exec(value);
  if (!m || value.length > MAX_NAME + 200) {
    const noName = /^([^/]+\/)*[:@]/.test(value) || value.endsWith("/") || value === "";
    return `${show(value)} is not an image reference${noName ? " (it has no image name)" : ""}; write registry/path/name:tag in lower case, e.g. "${example}"`;
  }
  if (m.groups!.name!.length > MAX_NAME) return `${show(value)} has a name longer than ${MAX_NAME} characters; shorten it`;
  if ((!m.groups!.tag && !m.groups!.digest) || m.groups!.tag === ":latest") {
    return `${show(value)} is not pinned; name an exact tag or digest (never untagged or :latest), e.g. "${example}"`;
  }
  return undefined;
}

export function parseImages(p: Problems, raw: Partial<Record<string, unknown>>): ImageSpec {
  const out: Record<string, string> = { ...DEFAULT_IMAGES };
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue; // dropped as too long, already reported
    const field = `images.${key}`;
    // Own keys only: "constructor" or "toString" are not images.
    if (!Object.hasOwn(DEFAULT_IMAGES, key)) {
      p.add(field, `unknown image; known images are ${Object.keys(DEFAULT_IMAGES).join(", ")}`);
      continue;
    }
    const problem = imageProblem(value, DEFAULT_IMAGES[key as keyof ImageSpec]);
    if (problem) p.add(field, problem);
    else out[key] = value as string;
  }
  return out as unknown as ImageSpec;
}

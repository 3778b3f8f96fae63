/** One observation of the bench: a value, an honest "cannot be seen here", or the error that stopped it. */

export type Observation<T> = { readonly value: T } | { readonly unobservable: string } | { readonly error: string };

export const observed = <T>(value: T): Observation<T> => ({ value });
export const unobservable = <T = never>(reason: string): Observation<T> => ({ unobservable: reason });
export const failed = <T = never>(error: unknown): Observation<T> => ({ error: oneLine(error) });

/** Runs a probe, turning a thrown error into an error observation. */
export async function observe<T>(probe: () => Promise<T>): Promise<Observation<T>> {
  try {
    return observed(await probe());
  } catch (e) {
    return failed(e);
  }
}

/**
 * A readable single line (at most 300 characters) from an error or text. A longer one keeps its start (what ran)
 * and its end (why it failed: a failed command's stderr comes last) around " ... ".
 */
export function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const flat = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join(" | ");
  return flat.length > 300 ? `${flat.slice(0, 120)} ... ${flat.slice(-175)}` : flat;
}

/** The observation as table text: the value through `show`, or the reason it is missing. */
export function describeObservation<T>(o: Observation<T>, show: (v: T) => string = String): string {
  if ("value" in o) return show(o.value);
  if ("unobservable" in o) return o.unobservable;
  return `error: ${o.error}`;
}

/** lib/engine/program.js: the Pulumi program compiled once per content. */
/** The compiled program's directory (.netlab/program/<hash>/), built first when these sources have not been. */
export function programDir(): string;
/** Every TypeScript source of the program, relative to the repository, sorted. */
export function programSources(): string[];
export const REPO: string;

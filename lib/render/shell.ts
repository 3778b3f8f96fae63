/**
 * Shell quoting for the few places a command line must be a single string (SSH exec requests).
 * Arguments are always arrays; this turns one into a POSIX-shell-safe string.
 */

/** Quotes one argument so that a POSIX shell reads it back verbatim. */
export function shellQuote(arg: string): string {
  if (arg !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'"'"'`)}'`;
}

/** Joins an argument vector into one command line. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(" ");
}

/**
 * The one sudo rule: an argument vector run as root by an SSH user, through `sudo -n --` (never a password
 * prompt) unless the user already is root.
 */
export function asRoot(user: string, argv: readonly string[]): string[] {
  return user === "root" ? [...argv] : ["sudo", "-n", "--", ...argv];
}

/** `NAME=value` assignment lines for a script header, values quoted. Names must be shell identifiers. */
export function shellAssignments(vars: Readonly<Record<string, string>>): string {
  return Object.entries(vars)
    .map(([name, value]) => {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`not a shell variable name: ${name}`);
      return `${name}=${shellQuote(value)}`;
    })
    .join("\n");
}

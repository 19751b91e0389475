// Remote commands go through the login shell of the cluster account (sh/bash/zsh: POSIX quoting;
// a csh login shell is not supported).

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One argument, quoted for a POSIX shell; words made only of safe characters are left bare for readable logs. */
export function shellQuote(argument: string): string {
  if (argument.includes("\0")) throw new Error("a shell argument cannot contain a NUL character");
  if (SAFE.test(argument)) return argument;
  return `'${argument.replace(/'/g, `'\\''`)}'`;
}

/** A command line from separate arguments, each quoted. */
export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(" ");
}

// A command line as a person can paste it back into a shell (the command that reproduces a run
// or a model checker's chart).

/** One word, quoted only when the shell would otherwise split or expand it. */
export function shellWord(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`
}

/** `cmm` and the arguments it was given, minus the flags (and their values) named in `drop`. */
export function commandLine(argv: readonly string[], drop: readonly string[] = []): string {
  const kept = argv.filter((a, i) => !drop.some((f) => a === f || a.startsWith(`${f}=`) || argv[i - 1] === f))
  return ['cmm', ...kept].map(shellWord).join(' ')
}

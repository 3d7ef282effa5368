// The results folder flag, one name on every command: `--results DIR` (default `results`). The
// older `--out` still works as a hidden alias.
import {Flags} from '@oclif/core'

export function resultsFlag(description: string) {
  return Flags.string({description, default: 'results', aliases: ['out'], helpValue: '<dir>'})
}

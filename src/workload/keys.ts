// The vocabulary of the workload format in one place: the parser refuses any key not listed
// here, and test/workload/schema.test.ts checks schema/workload.schema.json against these
// lists so that the editor schema and the parser cannot drift apart.
import type {DowngradeStyle, Granularity, StatesMode} from '../protocol/types.js'
import type {ClusterSettings, PageChoice} from './types.js'

export const TOP_KEYS = ['version', 'name', 'description', 'cluster', 'files', 'nodes', 'chaos'] as const
export const CLUSTER_KEYS = ['nodes', 'granularity', 'states', 'pageSize', 'downgrade', 'holdTime', 'copyStrategy'] as const
export const FILE_KEYS = ['pages'] as const
/** Keys that make a step a single op. */
export const OP_KEYS = ['read', 'write', 'copy', 'msync', 'sleep'] as const
/** Every key a step map may have (`do` only next to `repeat`). */
export const STEP_KEYS = [...OP_KEYS, 'repeat', 'do', 'mix'] as const
export const COPY_KEYS = ['from', 'to', 'pages'] as const
export const MIX_KEYS = ['ops', 'duration', 'rate', 'read', 'write', 'copy', 'pages', 'files'] as const

export type TopKey = (typeof TOP_KEYS)[number]
export type ClusterKey = (typeof CLUSTER_KEYS)[number]
export type StepKey = (typeof STEP_KEYS)[number]
export type OpKey = (typeof OP_KEYS)[number]

export const GRANULARITIES: readonly Granularity[] = ['page', 'file']
export const STATES_MODES: readonly StatesMode[] = ['shared', 'exclusive']
export const DOWNGRADE_STYLES: readonly DowngradeStyle[] = ['unmap', 'write-protect']
export const PAGE_CHOICES: readonly PageChoice[] = ['uniform', 'zipf']

export const DEFAULT_CLUSTER: ClusterSettings = {
  nodes: 2,
  granularity: 'page',
  states: 'shared',
  pageSize: 4096,
  downgrade: 'unmap',
  holdTimeUs: 0,
  copyStrategy: 'ordered',
}

/**
 * Bounds that catch typos (a missing unit, an extra zero) before they become a run that
 * never ends or a mapping that does not fit in memory.
 */
export const LIMITS = {
  maxNodes: 256,
  minPageSize: 64,
  maxPageSize: 65536,
  maxFilePages: 1 << 20,
  /** repeat times and mix ops. */
  maxCount: 1_000_000_000,
  /** Nested repeats; also stops self-referencing YAML aliases. */
  maxDepth: 32,
  /**
   * Bytes of a workload file. Parsing costs ~250x the file's size in memory (a YAML document
   * with positions for every node); a script is a few KB (mixes generate the ops), so 1 MiB is
   * far above any real one and keeps the parse well under a second and 300 MB.
   */
  maxFileBytes: 1 << 20,
  /** Pages a mix copy moves at most (fewer when the files are smaller). */
  mixCopyMaxPages: 4,
} as const

/** File names are identifiers so that `a/3` is unambiguous and usable as a Redis key part. */
export const FILE_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_-]*$'

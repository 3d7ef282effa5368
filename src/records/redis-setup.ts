// The shapes a run's private Redis can take (`--redis-topology`, `--redis-durability`), as plain
// names shared by the flags, the run's meta and run.json; src/redis/ gives them their meaning.
export const TOPOLOGIES = ['single', 'sentinel'] as const
export type Topology = (typeof TOPOLOGIES)[number]

export const DURABILITIES = ['none', 'everysec', 'always'] as const
export type Durability = (typeof DURABILITIES)[number]
/** No file, no fsync on the hot path (fast tests); a run that must survive restart-redis asks for more. */
export const DEFAULT_DURABILITY: Durability = 'none'

// The workload module's public API.
export {WorkloadError} from './errors.js'
export {loadWorkload, parseWorkload} from './parse.js'
export {applyOverrides, OVERRIDE_FLAGS, type WorkloadOverrides} from './overrides.js'
export {countOps, createOpStream} from './stream.js'
export {createRng, deriveSeed, type Rng, zipf} from './random.js'
export {DEFAULT_CLUSTER} from './keys.js'
export {DURATION_HINT, parseDurationUs} from './duration.js'
export type * from './types.js'

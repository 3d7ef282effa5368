// Workload YAML -> validated Workload. The first problem found is thrown as a WorkloadError
// (`FILE:LINE:COL: expected ..., found ...`): later errors are often consequences of the
// first, so one precise message beats a cascade.
import {closeSync, openSync, readSync, statSync} from 'node:fs'
import {WorkloadError} from './errors.js'
import {
  CLUSTER_KEYS,
  DEFAULT_CLUSTER,
  DOWNGRADE_STYLES,
  FILE_KEYS,
  GRANULARITIES,
  LIMITS,
  STATES_MODES,
  TOP_KEYS,
} from './keys.js'
import {readDuration, StepParser} from './parse-steps.js'
import {parseChaos} from './parse-chaos.js'
import type {ChaosNodeRef} from './chaos-refs.js'
import {COPY_STRATEGIES} from '../protocol/copy-plan.js'
import {type NodeEntry, resolveScript, type Script} from './script.js'
import {type ClusterSettings, type FileSpec, WORKLOAD_FORMAT_VERSION, type Workload} from './types.js'
import {isFileName, parseSelector} from './values.js'
import {type Val, YamlReader} from './yaml-reader.js'

/** Parses and validates a workload; `source` names it in messages (usually its path). */
export function parseWorkload(text: string, source: string): Workload {
  const script = parseScript(text, source)
  const origin = script.nodesWritten ? `cluster.nodes is ${script.cluster.nodes}` : `cluster.nodes defaults to ${script.cluster.nodes}`
  return resolveScript(script, script.cluster, origin)
}

export function loadWorkload(path: string): Workload {
  let bytes: Buffer
  try {
    const size = statSync(path).size
    if (size > LIMITS.maxFileBytes) throw tooLarge(path, `${size} bytes`)
    bytes = readAtMost(path, LIMITS.maxFileBytes + 1)
    if (bytes.length > LIMITS.maxFileBytes) throw tooLarge(path, `more than ${LIMITS.maxFileBytes} bytes`)
  } catch (e) {
    if (e instanceof WorkloadError) throw e
    const why = e instanceof Error ? e.message : String(e)
    throw new WorkloadError(path, 0, 0, `expected a readable workload file, found an error: ${why}`)
  }
  return parseWorkload(decodeUtf8(bytes, path), path)
}

function tooLarge(path: string, found: string): WorkloadError {
  return new WorkloadError(path, 0, 0, `expected a workload file of at most ${LIMITS.maxFileBytes} bytes (1 MiB), found ${found}; use mixes (mix: {ops: N}) instead of long lists of steps`)
}

/**
 * The first `limit` bytes of `path` at most. A device or a pipe has no size for the check above
 * (stat says 0): `cmm run workload /dev/zero` read until memory ran out, so the limit also holds
 * while reading.
 */
function readAtMost(path: string, limit: number): Buffer {
  const fd = openSync(path, 'r')
  try {
    const chunks: Buffer[] = []
    let total = 0
    while (total < limit) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, limit - total))
      const n = readSync(fd, chunk, 0, chunk.length, null)
      if (n === 0) break
      chunks.push(chunk.subarray(0, n))
      total += n
    }
    return Buffer.concat(chunks)
  } finally {
    closeSync(fd)
  }
}

const UTF8 = new TextDecoder('utf-8', {fatal: true})

/** The file's text; a byte sequence that is not UTF-8 is refused with its line and column. */
function decodeUtf8(bytes: Uint8Array, path: string): string {
  try {
    return UTF8.decode(bytes)
  } catch {
    const bad = firstInvalidUtf8(bytes)
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, bad))
    const line = before.split('\n').length
    const column = before.length - before.lastIndexOf('\n')
    throw new WorkloadError(path, line, column, `expected UTF-8 text, found the byte 0x${bytes[bad]!.toString(16).padStart(2, '0')} (save the file as UTF-8)`)
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let lo = 0
  let hi = bytes.length
  // The longest valid prefix, by bisection on whole-prefix decoding (a prefix may end mid-sequence: `stream`).
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    try {
      new TextDecoder('utf-8', {fatal: true}).decode(bytes.subarray(0, mid), {stream: true})
      lo = mid
    } catch {
      hi = mid - 1
    }
  }
  // The prefix may end inside a sequence whose next byte is bad: blame the sequence's first byte.
  try {
    new TextDecoder('utf-8', {fatal: true}).decode(bytes.subarray(0, lo))
  } catch {
    while (lo > 0 && (bytes[lo - 1]! & 0xc0) === 0x80) lo--
    if (lo > 0 && bytes[lo - 1]! >= 0xc0) lo--
  }
  return Math.min(lo, bytes.length - 1)
}

export function parseScript(text: string, source: string): Script {
  const {reader: r, root} = YamlReader.parse(text, source)
  if (r.isMissing(root)) r.fail(root, 'a workload map with name, files and nodes', 'an empty document')
  const top = r.fields(root, TOP_KEYS, 'workload')

  const versionV = top.get('version')
  if (versionV !== undefined && r.scalar(versionV) !== WORKLOAD_FORMAT_VERSION) {
    r.fail(versionV, `version ${WORKLOAD_FORMAT_VERSION} (the only workload format version this cmm reads)`)
  }
  const nameV = r.require(top, 'name', 'the workload name')
  const name = r.string(nameV, 'name (a string)')
  if (name.trim() === '') r.fail(nameV, 'name (a non-empty string)', 'an empty name')
  const descriptionV = top.get('description')
  const description = descriptionV === undefined ? '' : r.string(descriptionV, 'description (a string)')

  const clusterV = top.get('cluster')
  const {cluster, nodesWritten} = clusterV === undefined ? {cluster: DEFAULT_CLUSTER, nodesWritten: false} : parseCluster(r, clusterV)
  const files = parseFiles(r, r.require(top, 'files', 'the files of the workload'))
  const entries = parseNodes(r, r.require(top, 'nodes', 'the steps of each node'), new StepParser(r, files))

  const chaosV = top.get('chaos')
  const chaosNodes: ChaosNodeRef[] = []
  const chaos = chaosV === undefined ? undefined : parseChaos(r, chaosV, {files, nodeRefs: chaosNodes})
  return {source, version: WORKLOAD_FORMAT_VERSION, name, description, cluster, nodesWritten, files, entries, chaosNodes, ...(chaos ? {chaos} : {})}
}

function parseCluster(r: YamlReader, v: Val): {cluster: ClusterSettings; nodesWritten: boolean} {
  const c = r.fields(v, CLUSTER_KEYS, 'cluster')
  const d = DEFAULT_CLUSTER
  const nodes = c.get('nodes')
  const granularity = c.get('granularity')
  const states = c.get('states')
  const pageSize = c.get('pageSize')
  const downgrade = c.get('downgrade')
  const holdTime = c.get('holdTime')
  const copyStrategy = c.get('copyStrategy')
  const cluster: ClusterSettings = {
    nodes: nodes === undefined ? d.nodes : r.integer(nodes, `cluster.nodes (a whole number 1..${LIMITS.maxNodes})`, 1, LIMITS.maxNodes),
    granularity: granularity === undefined ? d.granularity : r.oneOf(granularity, GRANULARITIES, 'cluster.granularity'),
    states: states === undefined ? d.states : r.oneOf(states, STATES_MODES, 'cluster.states'),
    pageSize: pageSize === undefined ? d.pageSize : parsePageSize(r, pageSize),
    downgrade: downgrade === undefined ? d.downgrade : r.oneOf(downgrade, DOWNGRADE_STYLES, 'cluster.downgrade'),
    holdTimeUs: holdTime === undefined ? d.holdTimeUs : readDuration(r, holdTime, 'cluster.holdTime', 0),
    copyStrategy: copyStrategy === undefined ? d.copyStrategy : r.oneOf(copyStrategy, COPY_STRATEGIES, 'cluster.copyStrategy'),
  }
  return {cluster, nodesWritten: nodes !== undefined}
}

export const PAGE_SIZE_HINT = `a power of two ${LIMITS.minPageSize}..${LIMITS.maxPageSize}`

export function isValidPageSize(n: number): boolean {
  return Number.isInteger(n) && n >= LIMITS.minPageSize && n <= LIMITS.maxPageSize && (n & (n - 1)) === 0
}

function parsePageSize(r: YamlReader, v: Val): number {
  const n = r.scalar(v)
  if (typeof n !== 'number' || !isValidPageSize(n)) r.fail(v, `cluster.pageSize (${PAGE_SIZE_HINT})`)
  return n
}

function parseFiles(r: YamlReader, v: Val): Record<string, FileSpec> {
  const entries = r.entries(v, 'files (a map like {a: {pages: 4}})')
  if (entries.length === 0) r.fail(v, 'at least one file in files', 'an empty map')
  const files: Record<string, FileSpec> = {}
  for (const e of entries) {
    if (!isFileName(e.key)) {
      throw r.error(e.keyOffset, `expected a file name made of letters, digits, _ and - (not starting with a digit or -), found ${e.key}`)
    }
    const spec = r.fields(e.value, FILE_KEYS, `files.${e.key}`)
    const pages = r.require(spec, 'pages', `the page count of file ${e.key}`)
    files[e.key] = {pages: r.integer(pages, `files.${e.key}.pages (a whole number 1..${LIMITS.maxFilePages})`, 1, LIMITS.maxFilePages)}
  }
  return files
}

function parseNodes(r: YamlReader, v: Val, steps: StepParser): NodeEntry[] {
  const entries = r.entries(v, 'nodes (a map from node selectors like "0", "1,2", "0-3" or all to steps)')
  if (entries.length === 0) r.fail(v, 'steps for at least one node in nodes', 'an empty map')
  return entries.map((e) => {
    const selector = parseSelector(e.key)
    if (selector === null) {
      throw r.error(e.keyOffset, `expected a node selector like all, 1, "1,2" or 0-3 (each node once), found ${e.key}`)
    }
    return {selector, text: e.key, at: r.position(e.keyOffset), steps: steps.steps(e.value, `nodes.${e.key}`)}
  })
}

// A resolved Workload written back in the workload format (as JSON, which is YAML), so that
// whatever reads it again goes through the one validator of workload files: a run's meta in
// Redis holds this, and `cmm node` parses it exactly as `cmm run workload` parses a file.
import type {ChaosStep, Op, Step, Workload} from './types.js'

type Json = string | number | boolean | null | Json[] | {[key: string]: Json}

const us = (n: number): string => `${Math.round(n)}us`
const msAsUs = (ms: number): string => us(ms * 1000)
const page = (ref: {file: string; page: number}): string => `${ref.file}/${ref.page}`

/** The workload as a script: every node's steps under its own id, every default written out. */
export function workloadSource(w: Workload): Json {
  const nodes: {[id: string]: Json} = {}
  w.nodes.forEach((steps, id) => {
    if (steps.length > 0) nodes[String(id)] = steps.map(stepSource)
  })
  const c = w.cluster
  return {
    version: w.version,
    name: w.name,
    description: w.description,
    cluster: {nodes: c.nodes, granularity: c.granularity, states: c.states, pageSize: c.pageSize, downgrade: c.downgrade, holdTime: us(c.holdTimeUs), copyStrategy: c.copyStrategy},
    files: Object.fromEntries(Object.entries(w.files).map(([name, f]) => [name, {pages: f.pages}])),
    nodes,
    ...(w.chaos ? {chaos: w.chaos.map(chaosSource)} : {}),
  }
}

function stepSource(s: Step): Json {
  switch (s.kind) {
    case 'op':
      return opSource(s.op)
    case 'repeat':
      return {repeat: s.times, do: s.body.map(stepSource)}
    case 'mix': {
      const size: {[k: string]: Json} = s.ops !== null ? {ops: s.ops} : {duration: us(s.durationUs ?? 0)}
      return {mix: {...size, ...(s.rate !== null ? {rate: s.rate} : {}), read: s.read, write: s.write, copy: s.copy, pages: s.pages, files: [...s.files]}}
    }
  }
}

function opSource(op: Op): Json {
  switch (op.f) {
    case 'read':
    case 'write':
      return {[op.f]: page(op.page)}
    case 'copy':
      return {copy: {from: page(op.from), to: page(op.to), pages: op.pages}}
    case 'msync':
      return {msync: op.file}
    case 'sleep':
      return {sleep: us(op.us)}
  }
}

function chaosSource(c: ChaosStep): Json {
  const when: {[k: string]: Json} = {at: msAsUs(c.atMs), ...(c.everyMs !== null ? {every: msAsUs(c.everyMs)} : {})}
  if ('restartRedis' in c) return {...when, 'restart-redis': true}
  if ('failoverRedis' in c) return {...when, 'failover-redis': true}
  if ('pause' in c) return {...when, pause: c.pause, for: msAsUs(c.forMs)}
  const restart: {[k: string]: Json} = c.restartMs !== null ? {restart: msAsUs(c.restartMs)} : {}
  if ('killAt' in c) return {...when, kill: `holder-of ${c.killAt.page}`, when: c.killAt.when, ...restart}
  return {...when, kill: c.kill, ...restart}
}

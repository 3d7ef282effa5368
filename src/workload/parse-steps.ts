// Steps of a node: single ops, `repeat`, and `mix`. Everything that can be checked against
// the declared files is checked here, so a stream never meets a page that does not exist.
import type {PageRef} from '../protocol/types.js'
import {COPY_KEYS, LIMITS, MIX_KEYS, type OpKey, PAGE_CHOICES, STEP_KEYS, type StepKey} from './keys.js'
import type {FileSpec, MixStep, Op, Step} from './types.js'
import {parsePageText} from './values.js'
import {DURATION_HINT, isDurationTooLong, MAX_DURATION_TEXT, parseDurationUs} from './duration.js'
import type {Fields, Val, YamlReader} from './yaml-reader.js'

type Files = Readonly<Record<string, FileSpec>>

const STEP_HINT = 'a step like {write: a/0}, {repeat: N, do: [...]} or {mix: {...}}'

export class StepParser {
  private readonly fileNames: readonly string[]

  constructor(
    private readonly r: YamlReader,
    private readonly files: Files,
  ) {
    this.fileNames = Object.keys(files)
  }

  steps(v: Val, what: string, depth = 0): Step[] {
    const items = this.r.list(v, `${what} (a list of steps)`)
    if (items.length === 0) this.r.fail(v, `${what} (a list of at least one step)`)
    return items.map((item) => this.step(item, depth))
  }

  private step(v: Val, depth: number): Step {
    if (depth > LIMITS.maxDepth) this.r.fail(v, `repeats nested at most ${LIMITS.maxDepth} deep`, 'deeper nesting')
    const fields = this.r.fields(v, STEP_KEYS, 'step')
    const [first, second] = fields.list
    if (first === undefined) this.r.fail(v, STEP_HINT)
    if (fields.get('repeat') !== undefined || fields.get('do') !== undefined) return this.repeat(fields, depth)
    if (second !== undefined) {
      throw this.r.error(second.keyOffset, `expected one op per step, found ${second.key} next to ${first.key}`)
    }
    if (first.key === 'mix') return this.mix(first.value)
    return {kind: 'op', op: this.op(first.key as OpKey, first.value)}
  }

  private repeat(fields: Fields<StepKey>, depth: number): Step {
    const times = fields.get('repeat')
    if (times === undefined) this.r.fail(fields.at, 'repeat next to do (do: is the body of a repeat)', 'do without repeat')
    const other = fields.list.find((f) => f.key !== 'repeat' && f.key !== 'do')
    if (other !== undefined) {
      throw this.r.error(other.keyOffset, `expected only repeat and do in a repeat step, found ${other.key}`)
    }
    const body = this.r.require(fields, 'do', 'the steps to repeat')
    return {
      kind: 'repeat',
      times: this.r.integer(times, `repeat (a whole number of times 0..${LIMITS.maxCount})`, 0, LIMITS.maxCount),
      body: this.steps(body, 'do', depth + 1),
    }
  }

  private op(key: OpKey, v: Val): Op {
    switch (key) {
      case 'read':
      case 'write':
        return {f: key, page: this.page(v, key)}
      case 'copy':
        return this.copy(v)
      case 'msync':
        return {f: 'msync', file: this.fileName(v, 'msync')}
      case 'sleep':
        return {f: 'sleep', us: this.duration(v, 'sleep', 0)}
    }
  }

  private copy(v: Val): Op {
    const fields = this.r.fields(v, COPY_KEYS, 'copy')
    const fromV = this.r.require(fields, 'from', 'the first source page of the copy')
    const toV = this.r.require(fields, 'to', 'the first destination page of the copy')
    const from = this.page(fromV, 'copy.from')
    const to = this.page(toV, 'copy.to')
    if (from.file === to.file) {
      this.r.fail(toV, `a copy between two different files`, `a copy from ${from.file} to ${to.file}`)
    }
    const pagesV = fields.get('pages')
    const pages = pagesV === undefined ? 1 : this.r.integer(pagesV, 'copy.pages (a whole number of pages, at least 1)', 1, LIMITS.maxFilePages)
    this.fits(from, pages, pagesV ?? fromV)
    this.fits(to, pages, pagesV ?? toV)
    return {f: 'copy', from, to, pages}
  }

  /** A copy's `pages` consecutive pages must exist in the file. */
  private fits(start: PageRef, pages: number, at: Val): void {
    const size = this.files[start.file]?.pages ?? 0
    if (start.page + pages > size) {
      const last = `${start.file}/${start.page + pages - 1}`
      this.r.fail(at, `${pages} pages from ${start.file}/${start.page} to fit in file ${start.file} (pages 0..${size - 1})`, `${start.file}/${start.page}..${last}`)
    }
  }

  private mix(v: Val): MixStep {
    const fields = this.r.fields(v, MIX_KEYS, 'mix')
    const opsV = fields.get('ops')
    const durationV = fields.get('duration')
    if (opsV !== undefined && durationV !== undefined) this.r.fail(durationV, 'either ops or duration in a mix', 'both')
    if (opsV === undefined && durationV === undefined) this.r.fail(v, 'a mix with ops: N or duration: D', 'a mix with neither')
    const ops = opsV === undefined ? null : this.r.integer(opsV, `mix.ops (a whole number 1..${LIMITS.maxCount})`, 1, LIMITS.maxCount)
    const durationUs = durationV === undefined ? null : this.duration(durationV, 'mix.duration', 1)
    const rateV = fields.get('rate')
    const rate = rateV === undefined ? null : this.r.number(rateV, 'mix.rate (ops per second per node, more than 0)', Number.MIN_VALUE, 1e9)

    const percent = (key: 'read' | 'write' | 'copy'): number => {
      const p = fields.get(key)
      return p === undefined ? 0 : this.r.integer(p, `mix.${key} (a whole percentage 0..100)`, 0, 100)
    }
    const read = percent('read')
    const write = percent('write')
    const copy = percent('copy')
    if (read + write + copy !== 100) {
      this.r.fail(v, 'mix read + write + copy to add up to 100', `${read} + ${write} + ${copy} = ${read + write + copy}`)
    }

    const pagesV = fields.get('pages')
    const pages = pagesV === undefined ? 'uniform' : this.r.oneOf(pagesV, PAGE_CHOICES, 'mix.pages')
    const filesV = fields.get('files')
    const files = filesV === undefined ? [...this.fileNames] : this.mixFiles(filesV)
    if (copy > 0 && files.length < 2) {
      const at = fields.get('copy') ?? v
      this.r.fail(at, 'at least two files in a mix with copies (a copy goes between two different files)', `only ${files.join(', ')}`)
    }
    return {kind: 'mix', ops, durationUs, rate, read, write, copy, pages, files}
  }

  private mixFiles(v: Val): string[] {
    const items = this.r.list(v, 'mix.files (a list of file names)')
    if (items.length === 0) this.r.fail(v, 'mix.files (a list of at least one file name)')
    const names: string[] = []
    for (const item of items) {
      const name = this.fileName(item, 'mix.files')
      if (names.includes(name)) this.r.fail(item, 'each file once in mix.files', `${name} twice`)
      names.push(name)
    }
    return names
  }

  private page(v: Val, what: string): PageRef {
    const s = this.r.scalar(v)
    const ref = typeof s === 'string' ? parsePageText(s) : null
    if (ref === null) this.r.fail(v, `a page like a/0 for ${what}`)
    const spec = this.files[ref.file]
    if (spec === undefined) this.r.fail(v, `a page like a/0 of one of the files (${this.fileNames.join(', ')}) for ${what}`)
    if (ref.page >= spec.pages) {
      this.r.fail(v, `a page like a/0 (file ${ref.file} has pages 0..${spec.pages - 1})`)
    }
    return ref
  }

  private fileName(v: Val, what: string): string {
    const s = this.r.scalar(v)
    if (typeof s !== 'string' || this.files[s] === undefined) {
      this.r.fail(v, `one of the files (${this.fileNames.join(', ')}) for ${what}`)
    }
    return s
  }

  private duration(v: Val, what: string, minUs: number): number {
    return readDuration(this.r, v, what, minUs)
  }
}

export function readDuration(r: YamlReader, v: Val, what: string, minUs: number): number {
  const s = r.scalar(v)
  // A bare number (`holdTime: 5`) is refused like any other value without a unit.
  const us = typeof s === 'string' ? parseDurationUs(s) : null
  if (us === null && typeof s === 'string' && isDurationTooLong(s)) r.fail(v, `${what} (a duration of at most ${MAX_DURATION_TEXT})`)
  if (us === null) r.fail(v, `${what} (${DURATION_HINT}${typeof s === 'number' ? '; a bare number has no unit' : ''})`)
  if (us < minUs) r.fail(v, `${what} (a duration of at least ${minUs}us)`)
  return us
}

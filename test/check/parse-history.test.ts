import {describe, expect, it} from 'vitest'

import {checkRegisterHistory, HistoryFormatError, parseHistoryJsonl} from '../../src/check/linearizability/index.js'

/** The error thrown by parsing then checking `text`, or undefined when there is none. */
function formatError(text: string): HistoryFormatError | undefined {
  try {
    checkRegisterHistory(parseHistoryJsonl(text, 'h.jsonl'))
    return undefined
  } catch (error) {
    if (error instanceof HistoryFormatError) return error
    throw error
  }
}

const W1 = '{"process":0,"type":"invoke","f":"write","value":1}'
const W1_OK = '{"process":0,"type":"ok","f":"write","value":1}'

describe('parseHistoryJsonl', () => {
  it('parses entries and remembers their line numbers, skipping blank lines', () => {
    const h = parseHistoryJsonl(`${W1}\n\n  \n${W1_OK}\n`, 'h.jsonl')
    expect(h.entries).toHaveLength(2)
    expect([...h.lines]).toEqual([1, 4])
    expect(h.source).toBe('h.jsonl')
  })

  it('accepts CRLF line endings and a missing final newline', () => {
    expect(parseHistoryJsonl(`${W1}\r\n${W1_OK}`).entries).toHaveLength(2)
  })

  it('skips nemesis entries', () => {
    const h = parseHistoryJsonl(`{"process":"nemesis","type":"info","f":"start","value":"partition"}\n${W1}\n${W1_OK}\n`)
    expect(h.entries).toHaveLength(2)
    expect([...h.lines]).toEqual([2, 3])
  })

  it('reads bytes across chunk boundaries, with multi-byte characters', () => {
    const lines = Array.from({length: 50}, (_, i) => [
      JSON.stringify({process: i, type: 'invoke', f: 'write', key: 'é/0', value: `välue-${i}-✓`}),
      JSON.stringify({process: i, type: 'ok', f: 'write', key: 'é/0', value: `välue-${i}-✓`}),
    ]).flat()
    const bytes = new TextEncoder().encode(lines.join('\n') + '\n')
    for (const chunkBytes of [7, 64, 1000]) {
      const h = parseHistoryJsonl(bytes, 'h.jsonl', {chunkBytes})
      expect(h.entries).toHaveLength(100)
      expect(h.entries[99]).toMatchObject({key: 'é/0', value: 'välue-49-✓'})
      expect(h.lines[99]).toBe(100)
    }
  })

  it.each([
    ['bad JSON', `${W1}\n{"process":0,"type":"ok"\n`, 2, /invalid JSON/],
    ['a JSON array', `[1,2]\n`, 1, /expected a JSON object/],
    ['missing process', `{"type":"invoke","f":"read"}\n`, 1, /missing field "process"/],
    ['missing type', `${W1}\n{"process":0,"f":"write","value":1}\n`, 2, /missing field "type"/],
    ['missing f', `{"process":0,"type":"invoke","value":1}\n`, 1, /missing field "f"/],
    ['unknown type', `{"process":0,"type":"done","f":"read"}\n`, 1, /"type" must be invoke, ok, fail or info \(got "done"\)/],
    ['unknown f', `{"process":0,"type":"invoke","f":"append","value":1}\n`, 1, /"f" must be read, write or cas/],
    ['write without value', `{"process":0,"type":"invoke","f":"write"}\n`, 1, /missing field "value"/],
    ['read ok without value', `{"process":0,"type":"invoke","f":"read"}\n{"process":0,"type":"ok","f":"read"}\n`, 2, /missing field "value" \(the value read\)/],
    ['cas without a pair', `{"process":0,"type":"invoke","f":"cas","value":1}\n`, 1, /\[expected, new\]/],
    ['object value', `{"process":0,"type":"invoke","f":"write","value":{"a":1}}\n`, 1, /"value" must be/],
    ['bad key', `{"process":0,"type":"invoke","f":"write","value":1,"key":[1]}\n`, 1, /"key" must be/],
  ])('rejects %s with its line number', (_name, text, line, message) => {
    const error = formatError(text)
    expect(error).toBeInstanceOf(HistoryFormatError)
    expect(error?.line).toBe(line)
    expect(error?.message).toMatch(message)
    expect(error?.message.startsWith(`h.jsonl:${line}: `)).toBe(true)
  })
})

describe('pairing errors', () => {
  it('rejects a process that invokes while its op is open, naming both lines', () => {
    const error = formatError(`${W1}\n\n{"process":1,"type":"invoke","f":"read"}\n{"process":0,"type":"invoke","f":"read"}\n`)
    expect(error?.line).toBe(4)
    expect(error?.message).toBe('h.jsonl:4: process 0 invokes again while its write from line 1 is still open')
  })

  it('rejects a completion with no open invoke', () => {
    const error = formatError(`${W1}\n${W1_OK}\n${W1_OK}\n`)
    expect(error?.message).toBe('h.jsonl:3: ok for process 0, which has no open invoke')
  })

  it('rejects a completion of a different function or key', () => {
    expect(formatError(`${W1}\n{"process":0,"type":"ok","f":"read","value":1}\n`)?.message).toMatch(/^h.jsonl:2: ok read completes the write invoked on line 1/)
    const keyed = `{"process":0,"type":"invoke","f":"write","key":"a","value":1}\n{"process":0,"type":"ok","f":"write","key":"b","value":1}\n`
    expect(formatError(keyed)?.message).toMatch(/^h.jsonl:2: ok has key "b"/)
  })

  it('numbers in-memory entries from 1', () => {
    expect(() =>
      checkRegisterHistory([
        {process: 'a', type: 'invoke', f: 'read'},
        {process: 'a', type: 'invoke', f: 'read'},
      ]),
    ).toThrow('<history>:2: process "a" invokes again while its read from line 1 is still open')
  })

  it('validates in-memory entries too', () => {
    const bad = [{process: 0, type: 'invoke', f: 'write'}] as unknown as Parameters<typeof checkRegisterHistory>[0]
    expect(() => checkRegisterHistory(bad)).toThrow('<history>:1: missing field "value" (the value written)')
  })
})

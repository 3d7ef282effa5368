// Register values, processes and keys are compared as JavaScript numbers once parsed, so two
// different numbers in the file must not become one double: 1e999 and 2e999 both read as
// Infinity, 9007199254740993 as 9007199254740992. A line whose number in one of those fields
// does not read back as the same decimal is refused (with the line), so every comparison the
// checker makes is exact: equal doubles then mean equal numbers as written.

/** Fields whose values are compared; `time` and `index` only order entries. */
const COMPARED = new Set(['value', 'process', 'key'])

/**
 * Up to 15 significant digits and no exponent always read back exactly (IEEE double), so a
 * line needs the slower scan only with a 16-character run of digits and dots, or an exponent.
 */
const SUSPECT = /\d[\d.]{15}|\d[eE]/

const TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[{}[\]:,]|\s+|./gy

/** Why a compared number on `line` is not exact, or null. `line` is valid JSON (already parsed). */
export function inexactNumber(line: string): string | null {
  if (!SUSPECT.test(line)) return null
  let depth = 0
  let field: string | null = null
  let previous = ''
  TOKEN.lastIndex = 0
  for (let m = TOKEN.exec(line); m !== null; m = TOKEN.exec(line)) {
    const token = m[0]
    if (token === '{' || token === '[') depth++
    else if (token === '}' || token === ']') depth--
    else if (token === ':' && depth === 1) field = JSON.parse(previous) as string
    else if ((token[0] === '-' || (token[0]! >= '0' && token[0]! <= '9')) && field !== null && COMPARED.has(field)) {
      const problem = numberProblem(token)
      if (problem !== null) return `the number ${token} in "${field}" ${problem}`
    }
    if (token.trim() !== '') previous = token
  }
  return null
}

function numberProblem(literal: string): string | null {
  const n = Number(literal)
  if (!Number.isFinite(n)) return `is out of range (it reads as ${n}); write it as a string`
  if (normalize(literal) !== normalize(String(n))) return `cannot be compared exactly (it reads as ${String(n)}); write it as a string`
  return null
}

/** A decimal literal as sign, significant digits and exponent: `-0.0120e2` -> `-12e-2`. */
function normalize(literal: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal)
  if (m === null) return literal
  const digits = (m[2]! + (m[3] ?? '')).replace(/^0+/, '')
  if (digits === '') return '0'
  const trimmed = digits.replace(/0+$/, '')
  const exponent = BigInt(m[4] ?? '0') - BigInt((m[3] ?? '').length) + BigInt(digits.length - trimmed.length)
  return `${m[1]}${trimmed}e${exponent}`
}

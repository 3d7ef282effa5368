import {describe, expect, it} from 'vitest'
import {ciEnvironment, liveViewCanDraw} from '../../src/tui/can-draw.js'

describe('live view: when it can draw', () => {
  it('follows Ink\'s CI rule: set and not "0" or "false"', () => {
    expect(ciEnvironment({})).toBe(false)
    expect(ciEnvironment({CI: 'true'})).toBe(true)
    expect(ciEnvironment({CI: ''})).toBe(true)
    expect(ciEnvironment({CI: '0'})).toBe(false)
    expect(ciEnvironment({CI: 'false'})).toBe(false)
    expect(ciEnvironment({CONTINUOUS_INTEGRATION: '1'})).toBe(true)
  })

  it('needs a terminal and no CI', () => {
    expect(liveViewCanDraw({isTTY: true}, {})).toBe(true)
    expect(liveViewCanDraw({isTTY: false}, {})).toBe(false)
    expect(liveViewCanDraw({}, {})).toBe(false)
    expect(liveViewCanDraw({isTTY: true}, {CI: '1'})).toBe(false)
  })
})

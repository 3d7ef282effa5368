// Ink draws only the final frame when it sees a CI variable (its `is-in-ci` rule), so a live
// view started there would sit blank for the whole run. Such runs get plain progress lines.
// The rule is Ink's, restated because is-in-ci only reads process.env once, at import
// (test/tui/can-draw.test.ts checks the two agree).
export function ciEnvironment(env: NodeJS.ProcessEnv): boolean {
  const set = (key: string) => key in env && env[key] !== '0' && env[key] !== 'false'
  return set('CI') || set('CONTINUOUS_INTEGRATION')
}

export function liveViewCanDraw(stdout: {isTTY?: boolean}, env: NodeJS.ProcessEnv): boolean {
  return stdout.isTTY === true && !ciEnvironment(env)
}

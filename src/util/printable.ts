// Text from files and from Redis (workload names, error messages) reaches the terminal: control
// characters in it (ANSI escapes, a carriage return, a bell) could repaint or hide what the user
// sees. They are shown escaped instead, as `\x1b`, `\u009b`.

// C0 controls but tab and newline, DEL, C1 controls; plus line/paragraph separators.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g

export function printable(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

/** A name on one line: newlines escaped too. */
export function printableName(text: string): string {
  return printable(text).replace(/\n/g, '\\n').replace(/\t/g, '\\t')
}

// Text put into the HTML reports (run names, workload names, messages): escaped once, here.
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** JSON embedded in a <script type="application/json"> element: `<` escaped so `</script>` cannot end it. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c')
}

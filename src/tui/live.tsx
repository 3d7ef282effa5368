// The live view of `cmm run workload` on a terminal: an Ink app that samples the LiveModel at a
// bounded rate (REFRESH_MS), never per op or per event. `q` (and Ctrl-C, which raw mode turns
// into a key) asks the command to stop the run the same way SIGINT does; `p` pauses the workload.
import {useEffect, useState} from 'react'
import {render, useInput, useStdin, useStdout} from 'ink'
import type {RunEvent} from '../records/run.js'
import {LiveModel} from './model.js'
import {LiveView} from './LiveView.js'
export {plannedDurationMs} from './planned.js'

/** Screen refresh period: the view redraws at most this often, whatever the run does. */
export const REFRESH_MS = 500

export interface LiveViewOptions {
  readonly title: string
  readonly nodes: number
  /** Planned run time of a time-bound workload (plannedDurationMs), for progress and ETA. */
  readonly plannedMs?: number | null
  /** `--warmup` (ms). */
  readonly warmupMs?: number
  /** `q` or Ctrl-C: the command's interrupt path (first: stop cleanly, second: quit at once). */
  readonly onQuit: () => void
  readonly stdout?: NodeJS.WriteStream
  readonly stdin?: NodeJS.ReadStream
}

export interface LiveViewHandle {
  onEvent(e: RunEvent): void
  /** Polled by the orchestrator (RunOptions.paused). */
  paused(): boolean
  /** Shown in the event log, e.g. when Ctrl-C arrived as a signal. */
  note(text: string): void
  /** Draws the final frame and unmounts; the terminal is left with that frame. */
  stop(): Promise<void>
}

interface AppProps {
  readonly model: LiveModel
  readonly onQuit: () => void
  readonly onPause: () => void
  readonly done: boolean
}

function App({model, onQuit, onPause, done}: AppProps) {
  const [, setTick] = useState(0)
  const {stdout} = useStdout()
  const {isRawModeSupported} = useStdin()
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), REFRESH_MS)
    return () => clearInterval(timer)
  }, [])
  return (
    <>
      {isRawModeSupported ? <Keys onQuit={onQuit} onPause={onPause} active={!done} /> : null}
      <LiveView snap={model.snapshot()} width={stdout.columns || 80} height={stdout.rows || 24} keys={isRawModeSupported && !done} />
    </>
  )
}

// A separate component: useInput throws when stdin cannot be put in raw mode.
function Keys({onQuit, onPause, active}: {onQuit: () => void; onPause: () => void; active: boolean}) {
  useInput(
    (input, key) => {
      if (input === 'q' || (key.ctrl && input === 'c')) onQuit()
      else if (input === 'p') onPause()
    },
    {isActive: active},
  )
  return null
}

export function startLiveView(options: LiveViewOptions): LiveViewHandle {
  const model = new LiveModel(options.title, options.nodes, options.plannedMs ?? null, options.warmupMs ?? 0)
  let paused = false
  let quitting = false
  const onQuit = () => {
    if (!quitting) model.stopping('stopping: finishing the ops in flight, then writing back and checking (q again or Ctrl-C to quit at once)')
    quitting = true
    options.onQuit()
  }
  const onPause = () => {
    if (quitting) return
    paused = !paused
  }
  let stopped: Promise<void> | null = null
  const element = (done: boolean) => <App model={model} onQuit={onQuit} onPause={onPause} done={done} />
  const ink = render(element(false), {
    stdout: options.stdout ?? process.stdout,
    stdin: options.stdin ?? process.stdin,
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: 1000 / REFRESH_MS,
  })
  return {
    onEvent: (e) => model.onEvent(e),
    paused: () => paused,
    note: (text) => model.stopping(text),
    stop() {
      stopped ??= (async () => {
        model.finished()
        ink.rerender(element(true))
        ink.unmount()
        await ink.waitUntilExit()
      })()
      return stopped
    },
  }
}

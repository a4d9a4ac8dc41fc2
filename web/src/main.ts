// The playground: an editor, a language picker filled from /api/v1/runtimes, and runs over /api/v1/ws with
// output shown as the program writes it. Everything is served by the proxy; nothing is fetched elsewhere.
import { EditorView, basicSetup } from 'codemirror'
import { keymap } from '@codemirror/view'
import { Compartment, Prec } from '@codemirror/state'
import { oneDark } from '@codemirror/theme-one-dark'
import '@xterm/xterm/css/xterm.css'
import '../page.css'
import { languageExtension } from './highlighting'
import { sampleFor } from './samples'
import { fragmentOf, sharedFrom } from './share'
import { RunTerminal } from './terminal'

interface Runtime { language: string, version: string, aliases: string[] }
interface Stage {
  exitCode: number | null, signal: string | null, wallMs: number, cpuMs?: number, memoryBytes?: number, stdout?: string, stderr?: string
}
interface Result { status: string, message?: string, compile: Stage | null, run: Stage | null }
type Event =
  | { type: 'error', ref?: number, error: { code: string, message: string } }
  | { type: 'submitted', ref: number, id: string }
  | { type: 'queued' | 'running', id: string }
  | { type: 'stdout' | 'stderr', id: string, stage: 'compile' | 'run', data: string }
  | { type: 'done', id: string, result: Result }
  | { type: 'test' | 'retry', id: string }

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
const picker = $<HTMLSelectElement>('language')
const runButton = $<HTMLButtonElement>('run')
const shareButton = $<HTMLButtonElement>('share')
const stopButton = $<HTMLButtonElement>('stop')
const interactive = $<HTMLInputElement>('interactive')
const terminalPane = $<HTMLDivElement>('terminal')
let terminal: RunTerminal | undefined
const stdin = $<HTMLTextAreaElement>('stdin')
const args = $<HTMLInputElement>('args')
const status = $<HTMLDivElement>('status')
const output = $<HTMLPreElement>('output')
const compileOutput = $<HTMLPreElement>('compile')
const LAST_LANGUAGE = 'codeexec.language'

const highlighting = new Compartment()
const theme = new Compartment()
// The editor's colours follow the system's, as the page's do.
const dark = window.matchMedia('(prefers-color-scheme: dark)')
const editor = new EditorView({
  parent: $('editor'),
  extensions: [
    basicSetup,
    highlighting.of([]),
    theme.of(dark.matches ? oneDark : []),
    Prec.highest(keymap.of([{ key: 'Mod-Enter', run: () => { void run(); return true } }])),
    EditorView.contentAttributes.of({ 'aria-label': 'Program' })
  ]
})

dark.addEventListener('change', () => editor.dispatch({ effects: theme.reconfigure(dark.matches ? oneDark : []) }))

function say (text: string, error = false): void {
  status.textContent = text
  status.classList.toggle('error', error)
}

function chooseLanguage (language: string, withSample: boolean): void {
  picker.value = language
  localStorage.setItem(LAST_LANGUAGE, language)
  editor.dispatch({ effects: highlighting.reconfigure(languageExtension(language)) })
  if (withSample) editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: sampleFor(language) } })
}

async function loadRuntimes (): Promise<void> {
  const response = await fetch('/api/v1/runtimes')
  const list = await response.json() as Runtime[]
  for (const runtime of list) {
    const option = document.createElement('option')
    option.value = runtime.language
    option.textContent = `${runtime.language} ${runtime.version}`
    picker.append(option)
  }
  const known = (language: string | null) => list.some((runtime) => runtime.language === language)
  const shared = sharedFrom(location.hash.slice(1))
  if (shared && known(shared.language)) {
    chooseLanguage(shared.language, false)
    editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: shared.code } })
    stdin.value = shared.stdin
    args.value = shared.args
    return
  }
  const last = localStorage.getItem(LAST_LANGUAGE)
  chooseLanguage(known(last) ? last! : 'python', true)
}

// The link to this program is the page's address with the state in its fragment.
shareButton.addEventListener('click', () => {
  const fragment = fragmentOf({ language: picker.value, code: editor.state.doc.toString(), stdin: stdin.value, args: args.value })
  history.replaceState(null, '', `#${fragment}`)
  navigator.clipboard?.writeText(location.href).then(() => say('Link copied: it opens this program, nothing is stored on the server'),
    () => say('The address bar holds the link to this program'))
})

picker.addEventListener('change', () => chooseLanguage(picker.value, true))
runButton.addEventListener('click', () => { void run() })
document.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault()
    void run()
  }
})

let socket: WebSocket | undefined
const user = `playground-${Math.random().toString(36).slice(2, 10)}`

/** The socket, opened once and kept; a run waits for it to open. */
function connect (): Promise<WebSocket> {
  if (socket && socket.readyState === WebSocket.OPEN) return Promise.resolve(socket)
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/ws?userId=${user}`
  const opened = new WebSocket(url)
  socket = opened
  opened.addEventListener('message', (message) => hear(JSON.parse(String(message.data)) as Event))
  opened.addEventListener('close', () => { if (running) finish('the connection closed before the run ended', true) })
  return new Promise((resolve, reject) => {
    opened.addEventListener('open', () => resolve(opened), { once: true })
    opened.addEventListener('error', () => reject(new Error('cannot connect to the server')), { once: true })
  })
}

let running: string | undefined
let ref = 0

function append (text: string, className: string): void {
  const span = document.createElement('span')
  span.className = className
  span.textContent = text
  output.append(span)
}

function finish (text: string, error: boolean): void {
  running = undefined
  runButton.disabled = false
  stopButton.disabled = true
  terminal?.stop()
  say(text, error)
}

/** Sends a message about the running interactive submission. */
function control (message: object): void {
  if (running) socket?.send(JSON.stringify({ id: running, ...message }))
}

interactive.addEventListener('change', () => {
  terminalPane.hidden = !interactive.checked
  output.hidden = interactive.checked
  stdin.disabled = interactive.checked
  if (interactive.checked && !terminal) terminal = new RunTerminal(terminalPane)
})
// Only an interactive run can be stopped: it is killed (SIGKILL) and ends with its signal.
stopButton.addEventListener('click', () => control({ type: 'signal', signal: 'SIGKILL' }))

/** One line about how the run ended: its status, exit code or signal, and what it took. */
function summary (result: Result): string {
  const stage = result.run ?? result.compile
  const parts = [result.status]
  if (stage) {
    parts.push(stage.signal ? `signal ${stage.signal}` : `exit ${stage.exitCode}`)
    if (stage.cpuMs !== undefined) parts.push(`${stage.cpuMs} ms CPU`)
    parts.push(`${stage.wallMs} ms`)
    if (stage.memoryBytes) parts.push(`${(stage.memoryBytes / 1048576).toFixed(1)} MiB`)
  }
  if (result.message) parts.push(result.message)
  return parts.join(' · ')
}

/** Events that came before `submitted` told this run's id (a socket may hear `queued` first). */
let early: Event[] = []

function hear (event: Event): void {
  if (event.type === 'error') {
    finish(`Refused: ${event.error.message}`, true)
    return
  }
  if (event.type === 'submitted') {
    if (event.ref !== ref) return
    running = event.id
    const before = early.filter((one) => 'id' in one && one.id === event.id)
    early = []
    for (const one of before) hear(one)
    return
  }
  if (running === '') early.push(event)
  if (event.id !== running) return
  if (event.type === 'running') {
    say('Running…')
    stopButton.disabled = !interactive.checked
  } else if (event.type === 'stdout' || event.type === 'stderr') {
    if (event.stage === 'compile') {
      compileOutput.hidden = false
      compileOutput.textContent += event.data
    } else if (interactive.checked) terminal?.write(event.data, event.type === 'stderr')
    else append(event.data, event.type)
  } else if (event.type === 'done') {
    const compile = event.result.compile
    if (compile && (compile.stdout || compile.stderr)) {
      compileOutput.hidden = false
      compileOutput.textContent = `${compile.stdout ?? ''}${compile.stderr ?? ''}`
    }
    finish(summary(event.result), event.result.status !== 'ok')
  }
}

async function run (): Promise<void> {
  if (running !== undefined || runButton.disabled) return
  runButton.disabled = true
  output.textContent = ''
  compileOutput.textContent = ''
  compileOutput.hidden = true
  say('Queued…')
  try {
    const open = await connect()
    ref++
    running = ''
    early = []
    const live = interactive.checked
    if (live) terminal?.start({ input: (data) => control({ type: 'stdin', data }), eof: () => control({ type: 'eof' }) })
    open.send(JSON.stringify({
      type: 'submit',
      ref,
      ...(live ? { interactive: true } : { stdin: stdin.value }),
      language: picker.value,
      code: editor.state.doc.toString(),
      args: args.value.split(' ').filter((word) => word !== '')
    }))
  } catch (err) {
    finish((err as Error).message, true)
  }
}

loadRuntimes().catch((err: Error) => say(`Cannot list the languages: ${err.message}`, true))

// The playground: an editor, a language picker filled from /api/v1/runtimes, and runs over /api/v1/ws:
// output shown as the program writes it, a terminal for an interactive run, a judge's verdicts test by
// test. Everything is served by the proxy; nothing is fetched elsewhere.
import { EditorView, basicSetup } from 'codemirror'
import { keymap } from '@codemirror/view'
import { Compartment, Prec } from '@codemirror/state'
import { oneDark } from '@codemirror/theme-one-dark'
import '@xterm/xterm/css/xterm.css'
import '../page.css'
import { languageExtension } from './highlighting'
import { sampleFor } from './samples'
import { Identity } from './identity'
import { TestTable, type TestOutcome } from './judge'
import { succeeded, summary, type Result } from './result'
import { fragmentOf, sharedFrom, type Mode } from './share'
import { RunTerminal } from './terminal'

interface Runtime { language: string, version: string, aliases: string[] }
type Event =
  | { type: 'error', ref?: number | string, error: { code: string, message: string } }
  | { type: 'submitted', ref: number, id: string }
  | { type: 'queued' | 'running', id: string }
  | { type: 'stdout' | 'stderr', id: string, stage: 'compile' | 'run', data: string }
  | { type: 'done', id: string, result: Result }
  | { type: 'test', id: string, index: number, test: TestOutcome }
  | { type: 'retry', id: string }

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
const picker = $<HTMLSelectElement>('language')
const runButton = $<HTMLButtonElement>('run')
const shareButton = $<HTMLButtonElement>('share')
const stopButton = $<HTMLButtonElement>('stop')
const modeInputs = [...document.querySelectorAll<HTMLInputElement>('input[name=mode]')]
const judgePane = $<HTMLElement>('judge')
const tests = new TestTable($<HTMLTableSectionElement>('tests'))
const checker = $<HTMLSelectElement>('checker')
const timeLimit = $<HTMLInputElement>('time-limit')
const stdinPane = $<HTMLElement>('stdin-pane')
const keyForm = $<HTMLFormElement>('key-form')
const keyInput = $<HTMLInputElement>('api-key')
const who = $<HTMLSpanElement>('who')
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

const currentMode = (): Mode => (modeInputs.find((input) => input.checked)?.value ?? 'run') as Mode

/** Shows what `mode` uses: stdin and output to run, a terminal for an interactive run, the tests to judge. */
function showMode (mode: Mode): void {
  for (const input of modeInputs) input.checked = input.value === mode
  stdinPane.hidden = mode !== 'run'
  output.hidden = mode !== 'run'
  terminalPane.hidden = mode !== 'interactive'
  judgePane.hidden = mode !== 'judge'
  if (mode === 'interactive' && !terminal) terminal = new RunTerminal(terminalPane)
}

for (const input of modeInputs) input.addEventListener('change', () => showMode(currentMode()))
$('add-test').addEventListener('click', () => (tests.add().querySelector('textarea') as HTMLTextAreaElement).focus())

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
    tests.tests = shared.tests
    checker.value = shared.checker
    if (checker.value === '') checker.value = 'lines'
    showMode(shared.mode)
    return
  }
  const last = localStorage.getItem(LAST_LANGUAGE)
  chooseLanguage(known(last) ? last! : 'python', true)
}

// The link to this program is the page's address with the state in its fragment.
shareButton.addEventListener('click', () => {
  const fragment = fragmentOf({
    language: picker.value,
    code: editor.state.doc.toString(),
    stdin: stdin.value,
    args: args.value,
    mode: currentMode(),
    tests: tests.tests,
    checker: checker.value
  })
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

const identity = new Identity()
let socket: WebSocket | undefined

function askForKey (message: string): void {
  keyForm.hidden = false
  who.textContent = ''
  say(message, true)
  keyInput.focus()
}

keyForm.addEventListener('submit', (event) => {
  event.preventDefault()
  identity.use(keyInput.value.trim()).then((user) => {
    if (user === null) {
      askForKey('That API key is not known here')
      return
    }
    keyInput.value = ''
    keyForm.hidden = true
    who.textContent = `as ${user}`
    // A socket opened before spoke for nobody: the next run opens one with the key.
    socket?.close()
    socket = undefined
    say('Ready')
  }, (err: Error) => say(`Cannot check the key: ${err.message}`, true))
})

/** The socket, opened once and kept; a run waits for it to open. */
function connect (): Promise<WebSocket> {
  if (socket && socket.readyState === WebSocket.OPEN) return Promise.resolve(socket)
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/ws?${identity.socketQuery}`
  const opened = new WebSocket(url)
  socket = opened
  opened.addEventListener('message', (message) => hear(JSON.parse(String(message.data)) as Event))
  opened.addEventListener('close', () => {
    if (running !== undefined && socket === opened) finish('the connection closed before the run ended', true)
  })
  return new Promise((resolve, reject) => {
    opened.addEventListener('open', () => resolve(opened), { once: true })
    opened.addEventListener('error', () => reject(new Error('cannot connect to the server')), { once: true })
  })
}

let running: string | undefined
let ref = 0
/** The mode of the run under way: a person may switch views while it runs. */
let runMode: Mode = 'run'

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

/**
 * Sends a message about the submission under way, with a ref of its own: its refusals are not the run's
 * (input typed as the program ends), and the run ends by its `done` anyway.
 */
function control (message: object, kind: 'input' | 'stop' = 'input'): void {
  if (running) socket?.send(JSON.stringify({ id: running, ref: kind, ...message }))
}

// Stop: an interactive run is killed (SIGKILL) and ends with its signal; any other is cancelled, queued or running.
stopButton.addEventListener('click', () => {
  stopButton.disabled = true
  control(runMode === 'interactive' ? { type: 'signal', signal: 'SIGKILL' } : { type: 'cancel' }, 'stop')
})

/** Events that came before `submitted` told this run's id (a socket may hear `queued` first). */
let early: Event[] = []

function hear (event: Event): void {
  if (event.type === 'error') {
    if (event.ref === ref) finish(`Refused: ${event.error.message}`, true)
    // A stop refused (a shared queue's job run by another proxy): the run goes on.
    else if (event.ref === 'stop' && running) say(`Cannot stop it: ${event.error.message}`, true)
    return
  }
  if (event.type === 'submitted') {
    if (event.ref !== ref) return
    running = event.id
    stopButton.disabled = false
    const before = early.filter((one) => 'id' in one && one.id === event.id)
    early = []
    for (const one of before) hear(one)
    return
  }
  if (running === '') early.push(event)
  if (event.id !== running) return
  if (event.type === 'running') {
    say(runMode === 'judge' ? 'Judging…' : 'Running…')
  } else if (event.type === 'test') {
    tests.show(event.index, event.test)
  } else if (event.type === 'stdout' || event.type === 'stderr') {
    if (event.stage === 'compile') {
      compileOutput.hidden = false
      compileOutput.textContent += event.data
    } else if (runMode === 'interactive') terminal?.write(event.data, event.type === 'stderr')
    else if (runMode === 'run') append(event.data, event.type)
  } else if (event.type === 'done') {
    const compile = event.result.compile
    if (compile && (compile.stdout || compile.stderr)) {
      compileOutput.hidden = false
      compileOutput.textContent = `${compile.stdout ?? ''}${compile.stderr ?? ''}`
    }
    finish(summary(event.result), !succeeded(event.result))
  }
}

/** The submission for `mode`: stdin to run, a terminal's input for an interactive run, the tests to judge. */
function submission (mode: Mode): object {
  const program = { language: picker.value, code: editor.state.doc.toString(), args: args.value.split(' ').filter((word) => word !== '') }
  if (mode === 'interactive') return { ...program, interactive: true }
  if (mode === 'run') return { ...program, stdin: stdin.value }
  const limitMs = Number(timeLimit.value)
  return {
    ...program,
    tests: tests.tests,
    checker: { type: checker.value },
    limits: { run: { timeoutMs: limitMs, cpuTimeMs: limitMs } }
  }
}

async function run (): Promise<void> {
  if (running !== undefined || runButton.disabled) return
  if (!identity.ready) {
    askForKey('This service wants an API key: enter yours above')
    return
  }
  runButton.disabled = true
  runMode = currentMode()
  output.textContent = ''
  compileOutput.textContent = ''
  compileOutput.hidden = true
  tests.clearVerdicts()
  say('Queued…')
  try {
    const open = await connect()
    ref++
    running = ''
    early = []
    if (runMode === 'interactive') terminal?.start({ input: (data) => control({ type: 'stdin', data }), eof: () => control({ type: 'eof' }) })
    open.send(JSON.stringify({ type: 'submit', ref, ...submission(runMode) }))
  } catch (err) {
    finish((err as Error).message, true)
  }
}

async function start (): Promise<void> {
  const user = await identity.check()
  if (user === null) askForKey('This service wants an API key: enter yours above')
  else if (user !== undefined) who.textContent = `as ${user}`
  await loadRuntimes()
}

showMode('run')
start().catch((err: Error) => say(`Cannot reach the service: ${err.message}`, true))

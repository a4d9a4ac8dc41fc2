import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'puppeteer-core'
import { containersOf } from '../helpers/docker'
import { haveChromium, launchBrowser, setProgram, watchPage } from '../helpers/browser'
import { startProxy, type ProxyProcess } from '../helpers/proxy-process'

// The playground at `/`, in Debian's chromium driven by puppeteer-core, against a proxy on real runners.
jest.setTimeout(180000)
if (process.env.CI && !haveChromium) throw new Error('CI runs the browser tests, and chromium is missing (.ci/run installs it)')
const describeIf = haveChromium ? describe : describe.skip
const POOL = 'e2e-playground'
// Ports chromium will open: its blocked list (5060, 5061, 6000, 6665-6669...) has none from 7100 to 7999.

describeIf('the playground in a real browser', () => {
  const dir = mkdtempSync(join(tmpdir(), 'playground-'))
  const shots = join(dir, 'screenshots')
  let proxy: ProxyProcess
  let browser: Browser
  let page: Page
  let watched: ReturnType<typeof watchPage>

  beforeAll(async () => {
    mkdirSync(shots)
    const config = join(dir, 'pool.config.json')
    writeFileSync(config, JSON.stringify({ poolName: POOL, pool: { min: 2, max: 2 } }))
    proxy = await startProxy(config, 7100 + Math.floor(Math.random() * 400))
    browser = await launchBrowser()
    page = await browser.newPage()
    await page.setViewport({ width: 1100, height: 700 })
    watched = watchPage(page)
    await page.goto(`${proxy.base}/`, { waitUntil: 'networkidle0' })
    await page.waitForFunction(() => (document.querySelector('#language') as HTMLSelectElement).options.length > 5)
  })

  afterAll(async () => {
    await browser?.close()
    proxy?.child.kill('SIGTERM')
    await proxy?.exited
    console.log(`playground screenshots: ${shots}`)
    expect(await containersOf(POOL)).toEqual([])
  })

  const statusText = () => page.$eval('#status', (element) => element.textContent ?? '')
  const outputText = () => page.$eval('#output', (element) => element.textContent ?? '')
  const runAndWait = async () => {
    await page.click('#run')
    await page.waitForFunction(() => !(document.querySelector('#run') as HTMLButtonElement).disabled &&
      /exit|signal|Refused/.test(document.querySelector('#status')!.textContent ?? ''), { timeout: 60000 })
  }

  test('loads with no console error, no failed request (favicon included) and no request to another host; python is picked', async () => {
    expect(watched.problems).toEqual([])
    expect([...watched.hosts]).toEqual([new URL(proxy.base).host])
    expect(await page.$eval('#language', (element) => (element as HTMLSelectElement).value)).toBe('python')
    expect(await page.$eval('link[rel=icon]', (element) => (element as HTMLLinkElement).href)).toBe(`${proxy.base}/favicon.svg`)
  })

  test('python hello world runs and its output appears, with how it ended', async () => {
    await setProgram(page, 'print("hello from the browser")')
    await runAndWait()
    expect(await outputText()).toBe('hello from the browser\n')
    expect(await statusText()).toMatch(/^ok · exit 0 · [\d.]+ ms CPU · [\d.]+ ms · [\d.]+ MiB$/)
    await page.screenshot({ path: join(shots, 'run.png') })
  })

  test('output arrives as it is written: the first of five lines 200 ms apart shows before the last is printed', async () => {
    await setProgram(page, 'import time\nfor n in range(5):\n    print(f"line {n}", flush=True)\n    time.sleep(0.2)')
    await page.click('#run')
    await page.waitForFunction(() => (document.querySelector('#output')!.textContent ?? '').includes('line 0'), { timeout: 30000 })
    expect(await outputText()).not.toContain('line 4')
    await page.waitForFunction(() => /exit/.test(document.querySelector('#status')!.textContent ?? ''), { timeout: 30000 })
    expect(await outputText()).toBe('line 0\nline 1\nline 2\nline 3\nline 4\n')
  })

  test('Stop cancels a run that is not interactive: it is killed, and what it printed stays', async () => {
    await setProgram(page, 'import time\nprint("started", flush=True)\ntime.sleep(30)\nprint("never")')
    await page.click('#run')
    await page.waitForFunction(() => (document.querySelector('#output')!.textContent ?? '').includes('started'), { timeout: 30000 })
    await page.click('#stop')
    await page.waitForFunction(() => /^cancelled/.test(document.querySelector('#status')!.textContent ?? ''), { timeout: 10000 })
    expect(await statusText()).toMatch(/^cancelled · signal SIGKILL · .* · cancelled by its maker$/)
    expect(await outputText()).toBe('started\n')
    expect(await page.$eval('#stop', (element) => (element as HTMLButtonElement).disabled)).toBe(true)
  })

  test('a compile error shows the compiler\'s message; stdin and arguments reach the program', async () => {
    await page.select('#language', 'c')
    await setProgram(page, 'int main(void) { return missing; }')
    await runAndWait()
    expect(await statusText()).toMatch(/^compile_error/)
    expect(await page.$eval('#compile', (element) => (element as HTMLElement).hidden)).toBe(false)
    expect(await page.$eval('#compile', (element) => element.textContent)).toMatch(/missing. undeclared/)
    await page.screenshot({ path: join(shots, 'compile-error.png') })

    await page.select('#language', 'python')
    await setProgram(page, 'import sys\nprint(input(), sys.argv[1:])')
    await page.type('#stdin', 'typed in')
    await page.type('#args', 'a b')
    await runAndWait()
    expect(await outputText()).toBe("typed in ['a', 'b']\n")
    expect(watched.problems).toEqual([])
  })

  test('an interactive echo in C answers what the terminal typed; Ctrl+D ends its input', async () => {
    await page.select('#language', 'c')
    await setProgram(page, '#include <stdio.h>\nint main(void) {\n  char line[100];\n  while (fgets(line, sizeof line, stdin)) { printf("echo: %s", line); fflush(stdout); }\n  puts("bye");\n  return 0;\n}')
    await page.click('#mode-interactive')
    await page.click('#run')
    await page.waitForFunction(() => document.querySelector('#status')!.textContent === 'Running…', { timeout: 60000 })
    await page.click('#terminal')
    await page.keyboard.type('hello there')
    await page.keyboard.press('Enter')
    const screen = () => page.$eval('#terminal .xterm-rows', (element) => element.textContent ?? '')
    await page.waitForFunction(() => (document.querySelector('#terminal .xterm-rows')!.textContent ?? '').includes('echo: hello there'), { timeout: 30000 })
    await page.screenshot({ path: join(shots, 'interactive.png') })
    await page.keyboard.down('Control')
    await page.keyboard.press('d')
    await page.keyboard.up('Control')
    await page.waitForFunction(() => /^ok · exit 0/.test(document.querySelector('#status')!.textContent ?? ''), { timeout: 30000 })
    // xterm.js parses and paints what it is given on later frames: the last line may show a frame after the status.
    await page.waitForFunction(() => (document.querySelector('#terminal .xterm-rows')!.textContent ?? '').includes('bye'), { timeout: 5000 })
    expect(await screen()).toMatch(/echo: hello there.*bye/)

    // Stop kills a run that waits for input for ever.
    await setProgram(page, '#include <stdio.h>\nint main(void) { char c; fread(&c, 1, 1, stdin); return 0; }')
    await page.click('#run')
    await page.waitForFunction(() => !(document.querySelector('#stop') as HTMLButtonElement).disabled, { timeout: 60000 })
    await page.click('#stop')
    await page.waitForFunction(() => /signal SIGKILL/.test(document.querySelector('#status')!.textContent ?? ''), { timeout: 30000 })
    await page.click('#mode-run')
  })

  test('a judge with three tests shows accepted, wrong answer and time limit on the right rows, each as its test ends', async () => {
    await page.select('#language', 'python')
    await setProgram(page, 'n = int(input())\nwhile n == 3:\n    pass\nprint(n * 2)')
    await page.click('#mode-judge')
    expect(await page.$eval('#stdin-pane', (element) => (element as HTMLElement).hidden)).toBe(true)
    await page.$eval('#time-limit', (element) => { (element as HTMLInputElement).value = '1000' })
    const fill = async (row: number, input: string, expected: string) => {
      await page.type(`#tests tr:nth-child(${row}) .test-input`, input)
      await page.type(`#tests tr:nth-child(${row}) .test-expected`, expected)
    }
    await fill(1, '1', '2')
    // Rows are added and removed: four added, the fourth removed, the rest numbered 1 to 3.
    for (let added = 0; added < 3; added++) await page.click('#add-test')
    await fill(2, '2', '5')
    await fill(3, '3', '6')
    await page.click('#tests tr:nth-child(4) .test-remove')
    const rows = () => page.$$eval('#tests tr', (trs) => trs.map((tr) => [tr.cells[0].textContent, (tr.cells[3].querySelector('strong')?.textContent ?? '')]))
    expect((await rows()).map(([number]) => number)).toEqual(['1', '2', '3'])

    await page.click('#run')
    // The first row's verdict comes with its test event, while the third still runs toward its time limit.
    await page.waitForFunction(() => document.querySelector('#tests tr:nth-child(1) strong') !== null, { timeout: 60000 })
    expect(await statusText()).toBe('Judging…')
    await page.waitForFunction(() => /passed/.test(document.querySelector('#status')!.textContent ?? ''), { timeout: 60000 })
    expect(await rows()).toEqual([['1', 'accepted'], ['2', 'wrong answer'], ['3', 'time limit']])
    expect(await statusText()).toMatch(/^wrong_answer · 1 of 3 passed · at most [\d.]+ ms CPU · [\d.]+ ms$/)
    expect(await page.$eval('#tests tr:nth-child(2) .test-verdict', (element) => element.textContent)).toMatch(/expected "5", found "4"/)
    await page.screenshot({ path: join(shots, 'judge.png') })

    // The API's refusal is said in words, naming the field, and nothing runs.
    await page.$eval('#time-limit', (element) => { (element as HTMLInputElement).value = '60000' })
    await page.click('#run')
    await page.waitForFunction(() => /^Refused/.test(document.querySelector('#status')!.textContent ?? ''), { timeout: 10000 })
    expect(await statusText()).toMatch(/^Refused: limits\.run\.(timeoutMs|cpuTimeMs) is over the configured maximum of 15000/)
    expect(await page.$eval('#run', (element) => (element as HTMLButtonElement).disabled)).toBe(false)
    await page.$eval('#time-limit', (element) => { (element as HTMLInputElement).value = '1000' })

    // The tests go into a shared link with the program, and the link opens the judge view with them.
    await page.click('#share')
    await page.waitForFunction(() => location.hash.length > 1)
    const other = await browser.newPage()
    await other.goto(page.url(), { waitUntil: 'networkidle0' })
    await other.waitForFunction(() => document.querySelectorAll('#tests tr').length === 3)
    expect(await other.$eval('#mode-judge', (element) => (element as HTMLInputElement).checked)).toBe(true)
    expect(await other.$$eval('#tests textarea', (areas) => areas.map((area) => (area as HTMLTextAreaElement).value)))
      .toEqual(['1', '2', '2', '5', '3', '6'])
    await other.close()
    await page.click('#mode-run')
    expect(watched.problems).toEqual([])
  })

  test('a shared link reopens the same program, language, stdin and arguments, and sends none of it to the server', async () => {
    await page.select('#language', 'python')
    await setProgram(page, 'print("shared ✓", input())')
    await page.$eval('#stdin', (element) => { (element as HTMLTextAreaElement).value = 'from the link' })
    await page.$eval('#args', (element) => { (element as HTMLInputElement).value = 'x y' })
    await page.click('#share')
    await page.waitForFunction(() => location.hash.length > 1)
    const link = page.url()
    const other = await browser.newPage()
    const requests: string[] = []
    // What goes on the wire: a URL without its fragment, and any body.
    other.on('request', (request) => { requests.push(request.url().split('#')[0] + (request.postData() ?? '')) })
    await other.goto(link, { waitUntil: 'networkidle0' })
    await other.waitForFunction(() => (document.querySelector('.cm-content')!.textContent ?? '').includes('shared'))
    expect(await other.$eval('.cm-content', (element) => element.textContent)).toBe('print("shared ✓", input())')
    expect(await other.$eval('#language', (element) => (element as HTMLSelectElement).value)).toBe('python')
    expect(await other.$eval('#stdin', (element) => (element as HTMLTextAreaElement).value)).toBe('from the link')
    expect(await other.$eval('#args', (element) => (element as HTMLInputElement).value)).toBe('x y')
    expect(requests.filter((url) => /shared|from%20the%20link|eyJ/.test(url))).toEqual([])
    await other.close()
  })

  test('at phone width: one column, nothing wider than the screen, the controls reached by Tab, each with a name', async () => {
    const phone = await browser.newPage()
    const seen = watchPage(phone)
    await phone.setViewport({ width: 390, height: 844 })
    await phone.goto(`${proxy.base}/`, { waitUntil: 'networkidle0' })
    await phone.waitForFunction(() => (document.querySelector('#language') as HTMLSelectElement).options.length > 5)
    const fits = () => phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)
    expect(await fits()).toBe(true)
    // Tab goes through every control (the editor lets it go: it binds no Tab), the checked mode among them.
    const reached = new Set<string>()
    for (let press = 0; press < 30; press++) {
      await phone.keyboard.press('Tab')
      reached.add(await phone.evaluate(() => document.activeElement?.id || document.activeElement?.className || ''))
    }
    expect([...reached]).toEqual(expect.arrayContaining(['language', 'mode-run', 'run', 'share', 'stdin', 'args', 'cm-content']))
    await phone.click('#mode-judge')
    await phone.click('#add-test')
    expect(await fits()).toBe(true)
    const unnamed = (await phone.accessibility.snapshot({ interestingOnly: true }))!
    const controls: string[] = []
    const walk = (node: { role: string, name?: string, children?: unknown[] }) => {
      if (['button', 'combobox', 'textbox', 'radio', 'checkbox', 'spinbutton'].includes(node.role) && !node.name?.trim()) controls.push(node.role)
      for (const child of node.children ?? []) walk(child as typeof node)
    }
    walk(unnamed as Parameters<typeof walk>[0])
    expect(controls).toEqual([])
    await phone.screenshot({ path: join(shots, 'phone-judge.png'), fullPage: true })
    expect(seen.problems).toEqual([])
    await phone.close()
  })

  test('the language is remembered when the page is opened again', async () => {
    await page.select('#language', 'c')
    await page.goto(`${proxy.base}/`, { waitUntil: 'networkidle0' })
    await page.waitForFunction(() => (document.querySelector('#language') as HTMLSelectElement).options.length > 5)
    expect(await page.$eval('#language', (element) => (element as HTMLSelectElement).value)).toBe('c')
    expect(await page.$eval('.cm-content', (element) => element.textContent)).toContain('printf')
  })
})

describeIf('the playground with API keys', () => {
  const KEYED_POOL = 'e2e-playground-keys'
  const KEY = 'playground-key-0123456789'
  let proxy: ProxyProcess
  let browser: Browser

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'playground-keys-'))
    const config = join(dir, 'pool.config.json')
    writeFileSync(config, JSON.stringify({ poolName: KEYED_POOL, pool: { min: 1, max: 1 }, auth: { keys: { [KEY]: 'ada' } } }))
    proxy = await startProxy(config, 7600 + Math.floor(Math.random() * 400))
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    proxy?.child.kill('SIGTERM')
    await proxy?.exited
    expect(await containersOf(KEYED_POOL)).toEqual([])
  })

  test('the page asks for a key, refuses an unknown one, runs with a known one, and keeps it for the tab only', async () => {
    const page = await browser.newPage()
    const watched = watchPage(page)
    await page.goto(`${proxy.base}/`, { waitUntil: 'networkidle0' })
    await page.waitForFunction(() => !(document.querySelector('#key-form') as HTMLElement).hidden)
    expect(await page.$eval('#status', (element) => element.textContent)).toMatch(/wants an API key/)
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('api-key')

    await page.type('#api-key', 'not-a-key-of-this-service')
    await page.keyboard.press('Enter')
    await page.waitForFunction(() => /not known/.test(document.querySelector('#status')!.textContent ?? ''))
    expect(await page.evaluate(() => sessionStorage.getItem('codeexec.apiKey'))).toBeNull()

    await page.$eval('#api-key', (element) => { (element as HTMLInputElement).value = '' })
    await page.type('#api-key', KEY)
    await page.keyboard.press('Enter')
    await page.waitForFunction(() => document.querySelector('#who')!.textContent === 'as ada')
    expect(await page.$eval('#key-form', (element) => (element as HTMLElement).hidden)).toBe(true)
    await setProgram(page, 'print("keyed run")')
    await page.click('#run')
    await page.waitForFunction(() => /exit/.test(document.querySelector('#status')!.textContent ?? ''), { timeout: 60000 })
    expect(await page.$eval('#output', (element) => element.textContent)).toBe('keyed run\n')
    expect(await page.evaluate(() => [sessionStorage.getItem('codeexec.apiKey'), localStorage.getItem('codeexec.apiKey')])).toEqual([KEY, null])

    // Opened again in the same tab, the page uses the key it keeps and asks nothing.
    await page.reload({ waitUntil: 'networkidle0' })
    await page.waitForFunction(() => document.querySelector('#who')!.textContent === 'as ada')
    expect(await page.$eval('#key-form', (element) => (element as HTMLElement).hidden)).toBe(true)
    expect(watched.problems).toEqual([])
    await page.close()
  })
})

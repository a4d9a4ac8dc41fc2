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
    proxy = await startProxy(config, 4900 + Math.floor(Math.random() * 500))
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
    await page.click('#interactive')
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
    expect(await screen()).toContain('bye')

    // Stop kills a run that waits for input for ever.
    await setProgram(page, '#include <stdio.h>\nint main(void) { char c; fread(&c, 1, 1, stdin); return 0; }')
    await page.click('#run')
    await page.waitForFunction(() => !(document.querySelector('#stop') as HTMLButtonElement).disabled, { timeout: 60000 })
    await page.click('#stop')
    await page.waitForFunction(() => /signal SIGKILL/.test(document.querySelector('#status')!.textContent ?? ''), { timeout: 30000 })
    await page.click('#interactive')
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

  test('the language is remembered when the page is opened again', async () => {
    await page.select('#language', 'c')
    await page.goto(`${proxy.base}/`, { waitUntil: 'networkidle0' })
    await page.waitForFunction(() => (document.querySelector('#language') as HTMLSelectElement).options.length > 5)
    expect(await page.$eval('#language', (element) => (element as HTMLSelectElement).value)).toBe('c')
    expect(await page.$eval('.cm-content', (element) => element.textContent)).toContain('printf')
  })
})


import { existsSync } from 'node:fs'
import type { Browser, Page } from 'puppeteer-core'

/** Debian's chromium binary (/usr/bin/chromium is a wrapper script); .ci/run installs it. */
export const CHROMIUM = '/usr/lib/chromium/chromium'
export const haveChromium = existsSync(CHROMIUM)

export async function launchBrowser (): Promise<Browser> {
  const puppeteer = await import('puppeteer-core')
  // Headless as root needs --no-sandbox; the page is ours, on loopback.
  return await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] })
}

/** What a page did wrong: console errors and warnings, uncaught errors, failed requests, and every host it asked. */
export function watchPage (page: Page) {
  const problems: string[] = []
  const hosts = new Set<string>()
  page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warn') problems.push(`${message.type()}: ${message.text()}`) })
  page.on('pageerror', (err) => problems.push(`uncaught: ${(err as Error).message}`))
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`))
  page.on('response', (response) => { if (response.status() >= 400) problems.push(`${response.status()}: ${response.url()}`) })
  page.on('request', (request) => { hosts.add(new URL(request.url()).host) })
  return { problems, hosts }
}

/** Replaces the editor's program as a paste would (typing would auto-indent and close brackets). */
export async function setProgram (page: Page, code: string): Promise<void> {
  await page.click('.cm-content')
  await page.keyboard.down('Control')
  await page.keyboard.press('a')
  await page.keyboard.up('Control')
  await page.evaluate((text) => {
    const data = new DataTransfer()
    data.setData('text/plain', text)
    document.querySelector('.cm-content')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
  }, code)
}

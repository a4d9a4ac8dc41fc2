import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { IMAGE_NODE, type Workload } from './workloads'

export interface RunStats {
  requests: number
  errors: number
  latenciesMs: number[]
  durationMs: number
}

function step (argv: string[], cwd: string, stdin: string): Promise<{ code: number | null, stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, stdio: ['pipe', 'pipe', 'pipe'] })
    const chunks: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.stderr.resume()
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(chunks).toString('utf8') }))
    child.stdin.on('error', () => {})
    child.stdin.end(stdin)
  })
}

/**
 * The floor: the same programs spawned directly on the host at the same concurrency, each in a fresh
 * directory with its source written, as the runner does; no containers, no HTTP.
 */
export async function runFloor (workload: Workload, concurrency: number, requests: number, imageNodeRoot?: string): Promise<RunStats> {
  // The image's node runs chrooted in its copied files, so its program's directory must be under them.
  const chrooted = workload.floor.steps.some((argv) => argv[0] === IMAGE_NODE)
  if (chrooted && !imageNodeRoot) throw new Error(`${workload.name} needs the image's node`)
  const base = chrooted ? join(imageNodeRoot!, 'tmp') : tmpdir()
  const latenciesMs: number[] = []
  let errors = 0
  let next = 0
  const started = performance.now()
  const worker = async () => {
    while (next < requests) {
      next++
      const dir = mkdtempSync(join(base, 'floor-'))
      const steps = workload.floor.steps.map((argv) => argv[0] === IMAGE_NODE
        ? ['/usr/sbin/chroot', imageNodeRoot!, '/usr/bin/node', join('/tmp', basename(dir), argv[1])]
        : argv)
      const t0 = performance.now()
      try {
        writeFileSync(join(dir, workload.floor.fileName), workload.code)
        let output = ''
        for (const argv of steps) {
          const result = await step(argv, dir, argv === steps[steps.length - 1] ? workload.stdin : '')
          if (result.code !== 0) throw new Error(`${argv[0]} exited ${result.code}`)
          output = result.stdout
        }
        if (output !== workload.expected) throw new Error('wrong output')
        latenciesMs.push(performance.now() - t0)
      } catch {
        errors++
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return { requests, errors, latenciesMs, durationMs: performance.now() - started }
}

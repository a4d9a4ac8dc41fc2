import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Duplex } from 'node:stream'
import { Client, request } from 'undici'
import { INTERACTIVE_PROTOCOL } from '../../runner/src/contract/interactive-protocol'
import { buildAgent, type Agent } from '../../runner/src/app'
import { loadAgentConfig, type AgentConfig } from '../../runner/src/config'
import { encodeJob, JOB_CONTENT_TYPE } from '../../runner/src/contract/job-wire'
import { LineSplitter } from '../../runner/src/contract/lines'
import { detectVersions } from '../../runner/src/versions'

export interface HostAgent {
  agent: Agent
  config: AgentConfig
  url: string
  base: string
  close: () => Promise<void>
}

/**
 * The runner agent on the host, as a real server with real child processes. Its uid and the places it
 * wipes are its own, so it never touches the host's processes or /tmp.
 */
export async function startHostAgent (uid: number): Promise<HostAgent> {
  const base = mkdtempSync(join(tmpdir(), 'agent-'))
  chmodSync(base, 0o755)
  const scratch = join(base, 'scratch')
  const tmp = join(base, 'tmp')
  const shm = join(base, 'shm')
  mkdirSync(scratch, { mode: 0o755 })
  for (const dir of [tmp, shm]) {
    mkdirSync(dir)
    chmodSync(dir, 0o1777)
  }
  const config = loadAgentConfig({
    RUNNER_PORT: '0',
    RUNNER_UID: String(uid),
    RUNNER_SCRATCH: scratch,
    RUNNER_WIPE_DIRS: `${tmp}:${shm}`,
    RUNNER_LAUNCHER: join(__dirname, '../../runner/dist/sandbox-exec'),
    // The host's IPC namespace is shared: cleanup removes only what the test's uid made.
    RUNNER_IPC_CLEANUP: 'uid',
    // No memory cgroup of its own on the host: memory verdicts come from the peak alone.
    RUNNER_CGROUP_ROOT: join(base, 'no-cgroup')
  })
  const agent = buildAgent(config, detectVersions())
  await new Promise<void>((resolve) => agent.server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(agent.server.address() as AddressInfo).port}`
  return {
    agent,
    config,
    url,
    base,
    close: async () => {
      agent.close()
      agent.server.closeAllConnections()
      await new Promise((resolve) => agent.server.close(resolve))
      rmSync(base, { recursive: true, force: true })
    }
  }
}

/** Sends a job to an agent as the proxy does: `stdin` comes out of the job and goes after its line as raw bytes. */
export async function execute (url: string, job: Record<string, unknown>): Promise<{ statusCode: number, body: any }> {
  const { stdin, ...header } = job
  const response = await request(`${url}/execute`, {
    method: 'POST',
    headers: { 'content-type': JOB_CONTENT_TYPE },
    body: encodeJob(header, typeof stdin === 'string' ? stdin : '')
  })
  return { statusCode: response.statusCode, body: await response.body.json() }
}

export interface InteractiveSession {
  socket: Duplex
  /** Every NDJSON line the agent has sent so far, parsed. */
  lines: any[]
  /** Sends a control message: {type: 'stdin', data} | {type: 'eof'} | {type: 'signal', signal}. */
  send: (message: object) => void
  /** Resolves with the first line (already come or yet to come) that `match` accepts. */
  waitFor: (match: (line: any) => boolean) => Promise<any>
  /** Resolves with the job's result line once the agent ends the socket. */
  result: Promise<any>
}

/** Opens an interactive job on an agent as the proxy does: an upgrade, the job's line, then control lines. */
export async function interactive (url: string, job: Record<string, unknown>): Promise<InteractiveSession> {
  const client = new Client(url)
  const { socket } = await client.upgrade({ path: '/interactive', method: 'GET', protocol: INTERACTIVE_PROTOCOL })
  const lines: any[] = []
  const waiters: Array<{ match: (line: any) => boolean, resolve: (line: any) => void }> = []
  const splitter = new LineSplitter((text) => {
    const line = JSON.parse(text)
    lines.push(line)
    for (const waiter of waiters.filter((w) => w.match(line))) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve(line)
    }
  })
  socket.on('data', (chunk: Buffer) => splitter.write(chunk))
  const result = new Promise<any>((resolve) => socket.on('close', () => {
    void client.close()
    resolve(lines.find((line) => line.type === 'result'))
  }))
  socket.write(JSON.stringify(job) + '\n')
  return {
    socket,
    lines,
    result,
    send: (message) => socket.write(JSON.stringify(message) + '\n'),
    waitFor: (match) => new Promise((resolve) => {
      const found = lines.find(match)
      if (found) resolve(found)
      else waiters.push({ match, resolve })
    })
  }
}

/** Counts the System V IPC objects (shared memory, semaphores, message queues) that `uid` owns or created. */
export function ipcObjectsOf (uid: number): number {
  let count = 0
  for (const kind of ['shm', 'sem', 'msg']) {
    const lines = readFileSync(`/proc/sysvipc/${kind}`, 'latin1').trim().split('\n')
    const columns = lines[0].trim().split(/\s+/)
    const owner = columns.indexOf('uid')
    const creator = columns.indexOf('cuid')
    for (const line of lines.slice(1)) {
      const fields = line.trim().split(/\s+/)
      if (Number(fields[owner]) === uid || Number(fields[creator]) === uid) count++
    }
  }
  return count
}

/**
 * Live tasks (threads included, any state but dead) whose real, effective, saved or fs uid is `uid`:
 * also the threads of a process whose leader has exited and is a zombie.
 */
export function tasksOf (uid: number): number[] {
  const tids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let tasks: string[]
    try {
      tasks = readdirSync(`/proc/${entry}/task`)
    } catch {
      continue // exited while we looked
    }
    for (const task of tasks) {
      let status: string
      try {
        status = readFileSync(`/proc/${entry}/task/${task}/status`, 'latin1')
      } catch {
        continue
      }
      const state = /^State:\s+(\S)/m.exec(status)
      if (state && (state[1] === 'Z' || state[1] === 'X')) continue
      const uids = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(status)
      if (uids && uids.slice(1).some((value) => Number(value) === uid)) tids.push(Number(task))
    }
  }
  return tids
}

/** Pids of live (not zombie) processes whose real, effective, saved or fs uid is `uid`. */
export function processesOf (uid: number): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid === process.pid) continue
    let status: string
    try {
      status = readFileSync(`/proc/${entry}/status`, 'latin1')
    } catch {
      continue // exited while we looked
    }
    const state = /^State:\s+(\S)/m.exec(status)
    if (state && (state[1] === 'Z' || state[1] === 'X')) continue
    const uids = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(status)
    if (uids && uids.slice(1).some((value) => Number(value) === uid)) pids.push(pid)
  }
  return pids
}

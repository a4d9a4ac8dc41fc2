// The agent's settings come from the environment, so the same build runs in a container (the defaults)
// and on a host in tests (another uid, private temp dirs instead of /tmp and /dev/shm).
import { findMemoryCgroup, type MemoryCgroup } from './cgroup'
import { DEFAULT_LIMITS, type JobLimits } from './contract/limits'

export interface AgentConfig {
  /** Unix socket to listen on. Either this or port. */
  socketPath?: string
  /** TCP port to listen on instead of a unix socket. */
  port?: number
  host: string
  /** The unprivileged uid and gid that user programs run as. */
  uid: number
  gid: number
  /** Each job gets a fresh directory under this one. */
  scratchRoot: string
  /** Directories the program can write to besides its scratch dir; emptied after every job. */
  wipeDirs: string[]
  /** Written at image build time; when missing, versions are read from the toolchains at start. */
  versionsFile: string
  /** Cap on a request body. */
  bodyLimitBytes: number
  /** The launcher every stage starts through (runner/src/sandbox-exec.c), kept running by the agent. */
  launcherPath: string
  /**
   * Which System V IPC objects cleanup removes: `namespace`, every one (a runner has an IPC namespace of
   * its own), or `uid`, those the program's uid owns or created (an agent on a host, in tests).
   */
  ipcCleanup: 'namespace' | 'uid'
  /**
   * How the launcher reads a program's memory: `process`, its resident size; `sandbox` (gVisor, whose
   * resident sizes count every thread stack as 2 MiB) checks a size over the limit against the sandbox's
   * own memory (sandbox-exec.c).
   */
  memoryWatch: 'process' | 'sandbox'
  /**
   * Which processes a program sees in /proc: `shared`, all of the runner's (Linux hides their maps and
   * descriptors from another uid); `stage`, only its own, in a PID namespace and a /proc per stage
   * (gVisor, whose procfs does not hide them; needs CAP_SYS_ADMIN in the sandbox).
   */
  pidNamespace: 'shared' | 'stage'
  /** The container's memory cgroup, v1 or v2 (cgroup.ts); null where there is none (an agent on a host). */
  memoryCgroup: MemoryCgroup | null
  defaultLimits: JobLimits
}

function integer (env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`)
  }
  return value
}

/** One of `values`, the first when unset. */
function oneOf<T extends string> (env: NodeJS.ProcessEnv, name: string, values: readonly T[]): T {
  const raw = env[name]
  if (raw === undefined || raw === '') return values[0]
  if ((values as readonly string[]).includes(raw)) return raw as T
  throw new Error(`${name} must be ${values.join(' or ')}, got ${JSON.stringify(raw)}`)
}

export function loadAgentConfig (env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const port = env.RUNNER_PORT ? integer(env, 'RUNNER_PORT', 0) : undefined
  const socketPath = env.RUNNER_SOCKET || (port === undefined ? '/run/runner/agent.sock' : undefined)
  const uid = integer(env, 'RUNNER_UID', 10001)
  if (uid === 0) throw new Error('RUNNER_UID must not be 0: user programs never run as root')
  return {
    socketPath,
    port,
    host: env.RUNNER_HOST || '127.0.0.1',
    uid,
    gid: integer(env, 'RUNNER_GID', uid),
    scratchRoot: env.RUNNER_SCRATCH || '/sandbox',
    wipeDirs: (env.RUNNER_WIPE_DIRS ?? '/tmp:/dev/shm:/dev/mqueue').split(':').filter(Boolean),
    versionsFile: env.RUNNER_VERSIONS || '/opt/runner/versions.json',
    bodyLimitBytes: integer(env, 'RUNNER_BODY_LIMIT_BYTES', 16 * 1024 * 1024),
    launcherPath: env.RUNNER_LAUNCHER || '/opt/runner/sandbox-exec',
    ipcCleanup: oneOf(env, 'RUNNER_IPC_CLEANUP', ['namespace', 'uid'] as const),
    memoryWatch: oneOf(env, 'RUNNER_MEMORY_WATCH', ['process', 'sandbox'] as const),
    pidNamespace: oneOf(env, 'RUNNER_PID_NAMESPACE', ['shared', 'stage'] as const),
    memoryCgroup: findMemoryCgroup(env.RUNNER_CGROUP_ROOT || '/sys/fs/cgroup'),
    defaultLimits: DEFAULT_LIMITS
  }
}

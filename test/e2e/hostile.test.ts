import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { call, containersOf, engineHasRunsc, realApp, sandboxRuntimes, testConfig, waitFor } from '../helpers/docker'

// Every program here runs through the proxy on a pool of one, and a normal program must answer
// correctly after it on the same pool. Runtimes: runc always; runsc (gVisor) too where the engine has it.
jest.setTimeout(300000)
// CI installs gVisor and must run the suite under it; elsewhere it runs where the engine has it.
if (process.env.CI && !engineHasRunsc()) throw new Error('CI runs the hostile suite under runsc, and the engine has no runsc runtime')
const RUNTIMES = sandboxRuntimes()

interface Case {
  name: string
  language: string
  code: string
  limits?: object
  args?: string[]
  check: (body: any, runtime: 'runc' | 'runsc') => void
  /** A job run right after it on the same runner, before the normal program, and what it must print. */
  next?: { language: string, code: string, args?: string[], stdout: string }
}

const program = (name: string) => readFileSync(join(__dirname, '../programs', name), 'utf8')

const fileWrites = "import os\nfor d in ['.', '/tmp', '/dev/shm']:\n    n = 0\n    try:\n        while True:\n            with open(os.path.join(d, f'fill{n}'), 'wb') as f:\n                f.write(b'x' * 4 * 1024 * 1024)\n            n += 1\n    except OSError as e:\n        print(d, e.errno)\n"

const cases: Case[] = [
  {
    name: 'an infinite loop',
    language: 'python',
    code: 'while True: pass',
    limits: { run: { timeoutMs: 1500 } },
    check: (body) => expect(body.status).toBe('timeout')
  },
  {
    name: 'a busy loop in many threads',
    language: 'c',
    code: '#include <pthread.h>\nvoid *spin(void *a){for(;;);return a;}\nint main(){pthread_t t[8];for(int i=0;i<8;i++)pthread_create(&t[i],0,spin,0);for(;;);}',
    limits: { run: { timeoutMs: 5000, cpuTimeMs: 1000 } },
    check: (body) => {
      expect(body.status).toBe('timeout')
      expect(body.run.wallMs).toBeLessThan(5000)
    }
  },
  {
    name: 'sleeping past the timeout while ignoring SIGTERM',
    language: 'python',
    code: 'import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(100)',
    limits: { run: { timeoutMs: 1000 } },
    check: (body) => expect(body.status).toBe('timeout')
  },
  {
    name: 'a fork bomb',
    language: 'c',
    code: '#include <unistd.h>\nint main(){for(;;)fork();}',
    limits: { run: { timeoutMs: 1500 } },
    check: (body) => expect(body.status).not.toBe('ok')
  },
  {
    name: 'a memory bomb in python',
    language: 'python',
    code: 'x = []\nwhile True: x.append(bytearray(16 * 1024 * 1024))',
    limits: { run: { timeoutMs: 10000, memoryBytes: 128 * 1024 * 1024 } },
    check: (body) => expect(body.status).toBe('memory_limit')
  },
  {
    name: 'a memory bomb in C',
    language: 'c',
    code: '#include <stdlib.h>\n#include <string.h>\nint main(){for(;;){char*p=malloc(1<<24);if(!p)return 3;memset(p,1,1<<24);}}',
    limits: { run: { timeoutMs: 10000, memoryBytes: 128 * 1024 * 1024 } },
    check: (body) => expect(body.status).toBe('memory_limit')
  },
  {
    name: '1 GB of output on stdout',
    language: 'python',
    code: 'import sys\nchunk = "x" * (1 << 20)\nfor _ in range(1024): sys.stdout.write(chunk)',
    limits: { run: { timeoutMs: 10000 } },
    check: (body) => {
      expect(body.status).toBe('output_limit')
      expect(body.run.truncated).toBe('stdout')
      expect(body.run.stdout.length).toBe(1 << 20)
    }
  },
  {
    name: '1 GB of output on stderr with stdout closed',
    language: 'python',
    code: 'import os, sys\nos.close(1)\nchunk = "e" * (1 << 20)\nfor _ in range(1024): sys.stderr.write(chunk)',
    limits: { run: { timeoutMs: 10000 } },
    check: (body) => {
      expect(body.status).toBe('output_limit')
      expect(body.run.truncated).toBe('stderr')
      expect(body.run.stderr.length).toBe(1 << 20)
    }
  },
  {
    name: 'filling scratch, /tmp and /dev/shm',
    language: 'python',
    code: fileWrites,
    limits: { run: { timeoutMs: 10000 } },
    check: (body) => {
      expect(body.status).toBe('ok')
      // ENOSPC (28) where the tmpfs is full; EFBIG (27) never, each file is under fileSizeBytes.
      expect(body.run.stdout).toBe('. 28\n/tmp 28\n/dev/shm 28\n')
    }
  },
  {
    name: 'daemons that outlive the job (setsid, double fork, nohup)',
    language: 'python',
    code: 'import os, subprocess, time\nsubprocess.Popen(["setsid", "sleep", "1000"])\nsubprocess.Popen("nohup sleep 1001 >/dev/null 2>&1 &", shell=True)\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        time.sleep(1002)\n    os._exit(0)\ntime.sleep(0.2)\nprint("spawned")',
    check: (body) => expect(body.run.stdout).toBe('spawned\n')
  },
  {
    name: 'kill -9 -1',
    language: 'python',
    // Kills every process the uid may signal: nothing of the agent's. Linux spares the caller; gVisor
    // kills it too, so the program itself may end either way.
    code: 'import os\nos.kill(-1, 9)\nprint("still here")',
    check: (body) => expect([['ok', 'still here\n'], ['runtime_error', '']]).toContainEqual([body.status, body.run.stdout])
  },
  {
    name: 'killing and tracing the agent',
    language: 'python',
    code: [
      'import ctypes, os',
      'libc = ctypes.CDLL(None, use_errno=True)',
      'for pid in filter(str.isdigit, os.listdir("/proc")):',
      '    if int(pid) == os.getpid(): continue',
      '    try:',
      '        os.kill(int(pid), 9)',
      '        print("killed", pid)',
      '    except PermissionError:',
      '        pass',
      '    except ProcessLookupError:',
      '        pass',
      '    if libc.ptrace(16, int(pid), 0, 0) == 0: print("traced", pid)',
      'print("done")'
    ].join('\n'),
    check: (body) => expect(body.run.stdout).toBe('done\n')
  },
  {
    name: "reading the agent's files",
    language: 'python',
    code: 'print(open("/opt/runner/server.js").read())',
    check: (body) => {
      expect(body.status).toBe('runtime_error')
      expect(body.run.stderr).toMatch(/PermissionError/)
    }
  },
  {
    name: "listing the agent's socket directory",
    language: 'python',
    code: 'import os\nprint(os.listdir("/run/runner"))',
    check: (body) => {
      expect(body.status).toBe('runtime_error')
      expect(body.run.stderr).toMatch(/PermissionError/)
    }
  },
  {
    name: "reading the agent's environment through /proc/1/environ",
    language: 'python',
    code: 'import os\nprint(os.getpid(), open("/proc/1/environ").read().count("RUNNER_"))',
    check: (body, runtime) => {
      if (runtime === 'runc') {
        expect(body.status).toBe('runtime_error')
        expect(body.run.stderr).toMatch(/PermissionError/)
        return
      }
      // gVisor's procfs lets any uid read it; in the stage's own PID namespace, /proc/1 is the program.
      expect(body.status).toBe('ok')
      expect(body.run.stdout).toBe('1 0\n')
    }
  },
  {
    name: "reading other processes' maps, auxv, environment and descriptors through /proc",
    language: 'python',
    code: [
      'import os',
      'me = os.getuid()',
      'pids = [p for p in os.listdir("/proc") if p.isdigit()]',
      'leaked = []',
      'for pid in pids:',
      '    try:',
      '        if os.stat(f"/proc/{pid}").st_uid == me: continue',
      '    except OSError: continue',
      '    for name in ("maps", "smaps", "auxv", "environ", "fd"):',
      '        try:',
      '            os.listdir(f"/proc/{pid}/fd") if name == "fd" else open(f"/proc/{pid}/{name}", "rb").read(1)',
      '            leaked.append(f"{pid}/{name}")',
      '        except OSError: pass',
      'print(str(os.getpid()) in pids, leaked)'
    ].join('\n'),
    check: (body) => {
      expect(body.status).toBe('ok')
      expect(body.run.stdout).toBe('True []\n')
    }
  },
  {
    name: 'writing to the root file system',
    language: 'python',
    code: 'open("/etc/evil", "w").write("x")',
    check: (body) => {
      expect(body.status).toBe('runtime_error')
      expect(body.run.stderr).toMatch(/Read-only file system|PermissionError/)
    }
  },
  {
    name: "a connect to the host's proxy port, and the interface list",
    language: 'python',
    code: '', // set per proxy port below
    check: (body) => expect(body.run.stdout).toBe("refused\n['lo']\n")
  },
  {
    name: 'symlinks to / and to the socket directory, and a locked directory',
    language: 'python',
    code: 'import os\nos.symlink("/", "root_link")\nos.symlink("/run/runner", "sock_link")\nos.symlink("/", "/tmp/root_link")\nos.makedirs("locked/inner/deeper")\nos.chmod("locked/inner", 0)\nos.chmod("locked", 0)\nprint("planted")',
    check: (body) => expect(body.run.stdout).toBe('planted\n')
  },
  {
    // Issue 12: the leader calls SYS_exit, a thread lives on and rewrites the next job's source.
    name: 'a thread that outlives its exited leader',
    language: 'c',
    code: program('survivor.c'),
    check: (body) => expect(body.run.stdout).toBe('planted\n')
  },
  {
    // Issue 12: under runc cleanup removes them, whoever owns them; under gVisor, where it cannot list
    // them, they cannot be made (ENOSYS).
    name: 'System V IPC objects, some given away with IPC_SET, and a POSIX message queue',
    language: 'c',
    code: program('ipc-leftovers.c'),
    args: ['make'],
    check: (body, runtime) => expect(body.run.stdout).toBe(runtime === 'runc' ? '7\n' : '0\n'),
    next: { language: 'c', code: program('ipc-leftovers.c'), args: ['find'], stdout: '0\n' }
  },
  {
    // Issue 12: cleanup's helpers must not be stoppable by the program, and cleanup has a deadline.
    name: 'processes that SIGSTOP every next pid, where cleanup helpers appear',
    language: 'c',
    code: program('stoppers.c'),
    limits: { run: { timeoutMs: 1000 } },
    check: (body) => {
      expect(body.status).toBe('timeout')
      expect(body.run.stdout).toBe('stopping\n')
      expect(body.timing.runnerMs).toBeLessThan(8000)
    }
  },
  {
    // Issue 13: cpuTimeMs holds over the sum of every process; the parent alone uses none.
    name: 'CPU burners in 4 children whose parent only waits',
    language: 'c',
    code: program('burners.c'),
    args: ['4'],
    limits: { run: { cpuTimeMs: 500, timeoutMs: 5000 } },
    check: (body) => {
      expect(body.status).toBe('timeout')
      expect(body.run.stdout).toBe('started 4\n')
      expect(body.run.cpuMs).toBeGreaterThanOrEqual(500)
      expect(body.run.cpuMs).toBeLessThan(1000)
      expect(body.run.wallMs).toBeLessThan(2500)
    }
  },
  {
    // Issue 13: memoryBytes holds over the sum of every process, each of them under it.
    name: 'memory spread over 4 children, each under the limit',
    language: 'c',
    code: program('hoarders.c'),
    args: ['4', '80'],
    limits: { run: { memoryBytes: 200 * 1024 * 1024, timeoutMs: 10000 } },
    check: (body) => {
      expect(body.status).toBe('memory_limit')
      expect(body.run.memoryBytes).toBeGreaterThan(200 * 1024 * 1024)
    }
  },
  {
    // Issue 13: the sum of resident sizes counts what a fork shares twice; the cgroup's (or gVisor's)
    // anonymous memory does not, and decides.
    name: "a forked child sharing its parent's 150 MiB under a 256 MiB limit",
    language: 'python',
    code: 'import os, time\nx = b"x" * (150 << 20)\npid = os.fork()\ntime.sleep(0.4)\nif pid: os.waitpid(pid, 0); print(len(x) >> 20)\nelse: os._exit(0)',
    check: (body) => {
      expect(body.status).toBe('ok')
      expect(body.run.stdout).toBe('150\n')
      expect(body.run.memoryBytes).toBeLessThan(256 * 1024 * 1024)
    }
  },
  {
    // Issue 12: under gVisor, 256 threads looked like 280 MiB to the memory watch.
    name: 'a thread bomb stops at the process limit',
    language: 'c',
    code: '#include <pthread.h>\n#include <stdio.h>\n#include <unistd.h>\nvoid *f(void *a){pause();return a;}\nint main(){int n=0;pthread_t t;while(pthread_create(&t,0,f,0)==0)n++;printf("%d\\n",n>=250);return 0;}',
    limits: { run: { processes: 256, timeoutMs: 10000 } },
    check: (body) => {
      expect(body.status).toBe('ok')
      expect(body.run.stdout).toBe('1\n')
    }
  },
  {
    // Issue 12: under gVisor its kernel kept the pipes' memory, and the next job ran out of it.
    name: '510 pipes of 1 MiB each, then a job that needs 200 MiB',
    language: 'c',
    code: '#define _GNU_SOURCE\n#include <fcntl.h>\n#include <stdio.h>\n#include <string.h>\n#include <unistd.h>\nstatic char b[1<<20];\nint main(){int n=0;memset(b,1,sizeof b);for(;;){int p[2];if(pipe(p))break;fcntl(p[1],F_SETPIPE_SZ,1<<20);fcntl(p[1],F_SETFL,O_NONBLOCK);while(write(p[1],b,sizeof b)>0){}n++;}printf("%d\\n",n>400);return 0;}',
    limits: { run: { openFiles: 1024, timeoutMs: 10000 } },
    check: (body) => expect(body.run.stdout).toBe('1\n'),
    next: { language: 'python', code: 'x = bytearray(200 * 1024 * 1024)\nprint(len(x) >> 20)', stdout: '200\n' }
  },
  {
    name: 'stdout and stderr flooded at once',
    language: 'python',
    code: 'import sys\nchunk = "x" * (1 << 16)\nwhile True:\n    sys.stdout.write(chunk)\n    sys.stderr.write(chunk)',
    limits: { run: { timeoutMs: 10000 } },
    check: (body) => {
      expect(body.status).toBe('output_limit')
      expect([body.run.stdout.length, body.run.stderr.length]).toContain(1 << 20)
    }
  },
  {
    name: 'invalid UTF-8 and NUL bytes in output',
    language: 'python',
    code: 'import sys\nsys.stdout.buffer.write(b"a\\x00b\\xff\\xc3(\\n")\nsys.stderr.buffer.write(b"\\xed\\xa0\\x80")',
    check: (body) => {
      expect(body.status).toBe('ok')
      expect(body.run.stdout).toBe('a\u0000b\uFFFD\uFFFD(\n')
    }
  }
]

// A normal program after each: its own files only, nothing left in /tmp or /dev/shm, no other live process
// of its uid (a zombie whose threads run on included), and its input.
const NORMAL = {
  language: 'python',
  code: [
    'import os',
    'def others():',
    '    count = 0',
    '    for pid in filter(str.isdigit, os.listdir("/proc")):',
    '        if int(pid) == os.getpid(): continue',
    '        try: status = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status").read().splitlines() if ":" in line)',
    '        except OSError: continue',
    '        live = status["State"].split()[0] not in "ZX" or int(status["Threads"]) > 1',
    '        if live and int(status["Uid"].split()[0]) == os.getuid(): count += 1',
    '    return count',
    'print(sorted(os.listdir(".")), os.listdir("/tmp"), os.listdir("/dev/shm"), others(), input())'
  ].join('\n'),
  stdin: 'fine'
}

describe.each(RUNTIMES)('hostile programs under %s', (runtime) => {
  const POOL = `e2e-hostile-${runtime}`
  const config = testConfig(POOL, { min: 1, max: 1 })
  config.runner.runtime = runtime
  const { app, pool } = realApp(config)
  let base = ''
  let port = 0

  beforeAll(async () => {
    base = await app.listen({ port: 0, host: '127.0.0.1' })
    port = Number(new URL(base).port)
    await pool.start()
    await waitFor('one runner', () => pool.ready === 1, 120000)
  })
  afterAll(async () => {
    await app.close()
    expect(await containersOf(POOL)).toEqual([])
  })

  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, hostile) => {
    const code = hostile.code !== ''
      ? hostile.code
      : `import socket\ntry:\n    socket.create_connection(("127.0.0.1", ${port}), timeout=2)\n    print("connected")\nexcept OSError:\n    print("refused")\nprint([name for _, name in socket.if_nameindex()])`
    const rssBefore = process.memoryUsage().rss
    const answer = await call(base, { url: '/api/v1/execute', payload: { language: hostile.language, code, args: hostile.args, limits: hostile.limits } })
    expect(answer.statusCode).toBe(200)
    hostile.check(answer.json(), runtime)
    // The proxy holds at most the capped output, never the flood.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024)

    await waitFor('the pool back at its size', () => pool.ready === 1 && pool.borrowed === 0, 60000)
    if (hostile.next) {
      const { stdout, ...job } = hostile.next
      const next = await call(base, { url: '/api/v1/execute', payload: job })
      expect(next.json()).toMatchObject({ status: 'ok', run: { stdout } })
      await waitFor('the pool back at its size', () => pool.ready === 1 && pool.borrowed === 0, 60000)
    }
    const normal = await call(base, { url: '/api/v1/execute', payload: NORMAL })
    expect(normal.json()).toMatchObject({ status: 'ok', run: { stdout: "['main.py'] [] [] 0 fine\n" } })
  })
})

import { execute, ipcObjectsOf, startHostAgent, type HostAgent } from '../helpers/agent'

jest.setTimeout(30000)
const UID = 61004
let host: HostAgent

beforeAll(async () => { host = await startHostAgent(UID) })
afterAll(async () => { await host.close() })

const MiB = 1024 * 1024

describe('runner agent: every limit ends in its own verdict', () => {
  test('each stage reports its CPU time, peak memory, truncation and status', async () => {
    const { body } = await execute(host.url, { language: 'c', code: '#include <stdio.h>\nint main(){puts("hi");}' })
    for (const stage of [body.compile, body.run]) {
      expect(stage).toEqual(expect.objectContaining({ status: 'ok', truncated: null, signal: null, exitCode: 0 }))
      expect(stage.cpuMs).toBeGreaterThanOrEqual(0)
      expect(stage.memoryBytes).toBeGreaterThan(100 * 1024)
      expect(stage.wallMs).toBeGreaterThan(0)
    }
    expect(body.compile.cpuMs).toBeGreaterThan(body.run.cpuMs)
  })

  test('CPU time over cpuTimeMs is a timeout, within milliseconds of the limit', async () => {
    const { body } = await execute(host.url, { language: 'python', code: 'while True: pass', limits: { run: { cpuTimeMs: 250, timeoutMs: 5000 } } })
    expect(body.status).toBe('timeout')
    expect(body.run.status).toBe('timeout')
    expect(body.run.signal).toBe('SIGKILL')
    expect(body.run.cpuMs).toBeGreaterThanOrEqual(250)
    expect(body.run.cpuMs).toBeLessThan(600)
  })

  test('a peak over memoryBytes is a memory_limit', async () => {
    const code = 'x = bytearray(80 * 1024 * 1024)\nprint(len(x))'
    const over = await execute(host.url, { language: 'python', code, limits: { run: { memoryBytes: 40 * MiB } } })
    expect(over.body.status).toBe('memory_limit')
    // Stopped by the watch on its resident size, soon after it passed the limit.
    expect(over.body.run.memoryBytes).toBeGreaterThan(40 * MiB)
    expect(over.body.run.signal).toBe("SIGKILL")
    const under = await execute(host.url, { language: 'python', code, limits: { run: { memoryBytes: 200 * MiB } } })
    expect(under.body.status).toBe('ok')
  })

  test('processes caps what the uid may start', async () => {
    const code = [
      'import os, time',
      'started = 0',
      'try:',
      '    for _ in range(50):',
      '        if os.fork() == 0:',
      '            time.sleep(5)',
      '            os._exit(0)',
      '        started += 1',
      'except BlockingIOError:',
      '    pass',
      'print(started)'
    ].join('\n')
    const { body } = await execute(host.url, { language: 'python', code, limits: { run: { processes: 8 } } })
    expect(Number(body.run.stdout)).toBeLessThan(8)
    expect(body.clean).toBe(true)
  })

  test('a file over fileSizeBytes stops the program with SIGXFSZ, or EFBIG where it ignores that signal', async () => {
    const c = '#include <stdio.h>\nint main(){FILE*f=fopen("big","w");for(int i=0;i<2000000;i++)fputc(120,f);fclose(f);puts("wrote");}'
    const killed = await execute(host.url, { language: 'c', code: c, limits: { run: { fileSizeBytes: 1000000 } } })
    expect(killed.body).toMatchObject({ status: 'runtime_error', run: { signal: 'SIGXFSZ', stdout: '' } })
    // python ignores SIGXFSZ, so its write fails instead.
    const python = 'f = open("big", "wb")\nf.write(b"x" * 2000000)\nf.close()'
    const refused = await execute(host.url, { language: 'python', code: python, limits: { run: { fileSizeBytes: 1000000 } } })
    expect(refused.body.status).toBe('runtime_error')
    expect(refused.body.run.stderr).toMatch(/File too large/)
  })

  test('openFiles caps the descriptors', async () => {
    const code = 'import os\nfds = []\ntry:\n    while True: fds.append(os.open("/dev/null", os.O_RDONLY))\nexcept OSError as e:\n    print(e.errno, len(fds) < 32)'
    const { body } = await execute(host.url, { language: 'python', code, limits: { run: { openFiles: 32 } } })
    expect(body.run.stdout).toBe('24 True\n')
  })

  test('stderr over outputBytes with stdout closed is an output_limit on stderr', async () => {
    const code = 'import os, sys\nos.close(1)\nwhile True: sys.stderr.write("e" * 4096)'
    const { body } = await execute(host.url, { language: 'python', code, limits: { run: { outputBytes: 10000 } } })
    expect(body.status).toBe('output_limit')
    expect(body.run.truncated).toBe('stderr')
    expect(body.run.stderr.length).toBe(10000)
  })

  test('invalid UTF-8 and NUL bytes in output still make a valid JSON answer', async () => {
    const code = 'import sys\nsys.stdout.buffer.write(b"a\\x00b\\xff\\xfe c\\n")'
    const { statusCode, body } = await execute(host.url, { language: 'python', code })
    expect(statusCode).toBe(200)
    expect(body.run.stdout).toBe('a\u0000b\uFFFD\uFFFD c\n')
  })

  test('System V IPC objects left by a job are removed', async () => {
    const code = '#include <sys/shm.h>\n#include <sys/sem.h>\n#include <stdio.h>\nint main(){ printf("%d %d\\n", shmget(IPC_PRIVATE, 4096, IPC_CREAT|0600) >= 0, semget(IPC_PRIVATE, 1, IPC_CREAT|0600) >= 0); }'
    const { body } = await execute(host.url, { language: 'c', code })
    expect(body.run.stdout).toBe('1 1\n')
    expect(body.clean).toBe(true)
    expect(ipcObjectsOf(UID)).toBe(0)
  })

  test('a compile stage has its own limits', async () => {
    const { body } = await execute(host.url, { language: 'cpp', code: '#include <iostream>\nint main(){}', limits: { compile: { timeoutMs: 1 } } })
    expect(body.status).toBe('timeout')
    expect(body.compile.status).toBe('timeout')
    expect(body.run).toBeNull()
  })
})

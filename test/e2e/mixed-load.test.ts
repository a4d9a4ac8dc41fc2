import { call, containersOf, realApp, testConfig, waitFor, listenAndFill } from '../helpers/docker'

// 200 requests at concurrency 45, one in five hostile, on a pool of 45: bounded in count and time.
jest.setTimeout(300000)
const POOL = 'e2e-mixed'
const TOTAL = 200
const CONCURRENCY = 45
const { app, pool } = realApp(testConfig(POOL, { min: 45, max: 45 }))
let base = ''

beforeAll(async () => {
  base = await listenAndFill(app, pool, 45, 150000)
})
afterAll(async () => {
  await app.close()
  expect(await containersOf(POOL)).toEqual([])
})

const hostile = [
  { language: 'python', code: 'while True: pass', limits: { run: { timeoutMs: 1000 } } },
  { language: 'python', code: 'x = []\nwhile True: x.append(bytearray(16 * 1024 * 1024))', limits: { run: { memoryBytes: 128 * 1024 * 1024, timeoutMs: 10000 } } },
  { language: 'c', code: '#include <unistd.h>\nint main(){for(;;)fork();}', limits: { run: { timeoutMs: 1000 } } },
  { language: 'python', code: 'import sys\nwhile True: sys.stdout.write("x" * 65536)', limits: { run: { timeoutMs: 10000 } } },
  { language: 'python', code: 'import subprocess\nsubprocess.Popen(["setsid", "sleep", "1000"])\nopen("/tmp/left", "w").write("x")\nprint("left")' }
]

const normal = (n: number) => {
  const programs = [
    { language: 'python', code: 'print(input()[::-1])', expected: `${String(n).split('').reverse().join('')}\n` },
    { language: 'javascript', code: 'require("fs").readFile(0, "utf8", (e, s) => console.log(Number(s) * 2))', expected: `${n * 2}\n` },
    { language: 'c', code: '#include <stdio.h>\nint main(){int n;scanf("%d",&n);printf("%d\\n",n+1);}', expected: `${n + 1}\n` },
    { language: 'cpp', code: '#include <iostream>\nint main(){long n;std::cin>>n;std::cout<<n*n<<std::endl;}', expected: `${n * n}\n` }
  ]
  return programs[n % programs.length]
}

test('every normal request answers correctly, every hostile one gets a result, and the pool ends full', async () => {
  const jobs = Array.from({ length: TOTAL }, (_, n) => n)
  const outcomes: Array<{ n: number, hostile: boolean, statusCode: number, status: string, stdout?: string, expected?: string }> = []
  const worker = async () => {
    for (let n = jobs.shift(); n !== undefined; n = jobs.shift()) {
      if (n % 5 === 4) {
        const program = hostile[Math.floor(n / 5) % hostile.length]
        const answer = await call(base, { url: '/api/v1/execute', payload: program })
        outcomes.push({ n, hostile: true, statusCode: answer.statusCode, status: answer.json().status })
      } else {
        const program = normal(n)
        const answer = await call(base, {
          url: '/api/v1/execute',
          // Default limits (issue 13): the wait for the CPU is queue time, not the program's.
          payload: { language: program.language, code: program.code, stdin: String(n) }
        })
        const body = answer.json()
        outcomes.push({ n, hostile: false, statusCode: answer.statusCode, status: body.status, stdout: body.run?.stdout, expected: program.expected })
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))

  expect(outcomes).toHaveLength(TOTAL)
  for (const outcome of outcomes) {
    expect(outcome.statusCode).toBe(200)
    if (!outcome.hostile) expect({ n: outcome.n, status: outcome.status, stdout: outcome.stdout }).toEqual({ n: outcome.n, status: 'ok', stdout: outcome.expected })
  }
  const hostileStatuses = new Set(outcomes.filter((o) => o.hostile).map((o) => o.status))
  expect(hostileStatuses).toEqual(new Set(['timeout', 'memory_limit', 'output_limit', 'ok']))

  await waitFor('the pool back at 45 idle runners', () => pool.ready === 45 && pool.borrowed === 0, 120000)
  expect(await containersOf(POOL)).toHaveLength(45)
})

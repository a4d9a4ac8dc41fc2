import { call, listenAndFill, realApp, testConfig } from '../helpers/docker'

// Programs of several files on real containers: the first file is the entry point, the others sit next to
// it (imported, included, compiled with it, or read as data); bad file lists are a 400 naming the file.
jest.setTimeout(120000)
const { app, pool } = realApp(testConfig('e2e-multi-file', { min: 2, max: 2 }))
let base = ''

beforeAll(async () => { base = await listenAndFill(app, pool, 2) })
afterAll(async () => { await app.close() })

async function post (url: string, payload: unknown): Promise<{ statusCode: number, body: any }> {
  const reply = await call(base, { method: 'POST', url, payload })
  return { statusCode: reply.statusCode, body: reply.json() }
}
const execute = (payload: unknown) => post('/api/v1/execute', payload)

describe('multi-file programs', () => {
  test('python: the entry imports a module from a subdirectory and reads a base64 data file', async () => {
    const { statusCode, body } = await execute({
      language: 'python',
      files: [
        { name: 'app.py', content: 'from lib.greet import greet\nimport sys\nprint(greet(open("data.bin", "rb").read().hex()), sys.argv[0])' },
        { name: 'lib/__init__.py', content: '' },
        { name: 'lib/greet.py', content: 'def greet(x):\n    return "hello " + x' },
        { name: 'data.bin', content: Buffer.from([0, 1, 254, 255]).toString('base64'), encoding: 'base64' }
      ]
    })
    expect(statusCode).toBe(200)
    expect(body).toMatchObject({ status: 'ok', run: { stdout: 'hello 0001feff app.py\n' } })
  })

  test('c: every .c file is compiled together, headers are found', async () => {
    const { body } = await execute({
      language: 'c',
      files: [
        { name: 'main.c', content: '#include <stdio.h>\n#include "add.h"\nint main(void) { printf("%d\\n", add(2, 3)); return 0; }' },
        { name: 'add.h', content: 'int add(int a, int b);' },
        { name: 'add.c', content: '#include "add.h"\nint add(int a, int b) { return a + b; }' }
      ]
    })
    expect(body).toMatchObject({ status: 'ok', compile: { status: 'ok' }, run: { stdout: '5\n' } })
  })

  test('java: the entry class is the first file\'s, and the helper class beside it is compiled too', async () => {
    const { body } = await execute({
      language: 'java',
      files: [
        { name: 'Program.java', content: 'public class Program { public static void main(String[] a) { System.out.println(Helper.twice(21)); } }' },
        { name: 'Helper.java', content: 'public class Helper { static int twice(int x) { return 2 * x; } }' }
      ]
    })
    expect(body).toMatchObject({ status: 'ok', run: { stdout: '42\n' } })
  })

  test('piston: several files, the first the entry point, unnamed ones named as Piston names them', async () => {
    const { statusCode, body } = await post('/api/v2/execute', {
      language: 'python',
      version: '*',
      files: [{ content: 'import os\nprint(sorted(f for f in os.listdir(".") if not f.startswith("_")))' }, { name: 'util.py', content: '' }, { content: 'x' }]
    })
    expect(statusCode).toBe(200)
    expect(body.run.stdout).toBe("['file2.code', 'main.py', 'util.py']\n")
  })

  test.each([
    ['a name that climbs out', [{ name: 'main.py', content: '' }, { name: '../x.py', content: '' }], /^files\[1\]\.name is not allowed: file name "\.\.\/x\.py" climbs out with \.\.$/],
    ['an absolute name', [{ name: '/etc/x.py', content: '' }], /^files\[0\]\.name is not allowed: file name "\/etc\/x\.py" is absolute$/],
    ['a duplicate name', [{ name: 'a.py', content: '' }, { name: 'a.py', content: '' }], /^files\[1\]\.name "a\.py" is the name of an earlier file$/],
    ['a file that is also a directory', [{ name: 'a.py', content: '' }, { name: 'a.py/b.py', content: '' }], /^files\[1\]\.name "a\.py\/b\.py" needs "a\.py" as both a file and a directory$/],
    ['content that is not base64', [{ name: 'a.py', content: 'not base64!', encoding: 'base64' }], /^files\[0\]\.content is not valid base64$/],
    ['no file at all', [], /^files must NOT have fewer than 1 items$/]
  ])('%s is a 400 naming the file', async (_name, files, message) => {
    const { statusCode, body } = await execute({ language: 'python', files })
    expect(statusCode).toBe(400)
    expect(body.error.code).toBe('EXEC_ERR_INVALID_FIELD')
    expect(body.error.message).toMatch(message)
  })

  test('code and files together, or neither, is a 400', async () => {
    const both = await execute({ language: 'python', code: 'print(1)', files: [{ name: 'a.py', content: '' }] })
    expect(both.statusCode).toBe(400)
    expect(both.body.error).toEqual({ code: 'EXEC_ERR_INVALID_FIELD', message: 'files cannot come with code: send one or the other' })
    const neither = await execute({ language: 'python' })
    expect(neither.body.error).toEqual({ code: 'EXEC_ERR_MISSING_FIELD', message: 'code (or files) is required' })
  })
})

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkFileName } from '../../runner/src/contract/file-names'
import { writeScratchFile } from '../../runner/src/scratch-path'

describe('file names from a request stay inside the scratch directory', () => {
  test.each([
    ['/etc/passwd', /is absolute/],
    ['../escape.py', /climbs out with \.\./],
    ['a/../../escape.py', /climbs out/],
    ['a//b.py', /empty or \. segment/],
    ['./main.py', /empty or \. segment/],
    ['', /1 to 255 characters/],
    ['a\0b', /NUL/],
    ['a\\b', /backslash/]
  ])('%j is refused', (name, message) => {
    expect(() => checkFileName(name)).toThrow(message)
  })

  test('plain and nested relative names pass', () => {
    expect(checkFileName('main.py')).toEqual(['main.py'])
    expect(checkFileName('src/lib/util.py')).toEqual(['src', 'lib', 'util.py'])
  })

  describe('writing', () => {
    let dir: string
    let outside: string
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'scratch-'))
      outside = mkdtempSync(join(tmpdir(), 'outside-'))
    })
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true })
      rmSync(outside, { recursive: true, force: true })
    })

    test('a nested file is written with its directories', () => {
      writeScratchFile(dir, 'src/lib/util.py', 'x = 1', process.getuid!(), process.getgid!())
      expect(readFileSync(join(dir, 'src/lib/util.py'), 'utf8')).toBe('x = 1')
    })

    test('a symlink in place of the file is never followed', () => {
      writeFileSync(join(outside, 'target'), 'original')
      symlinkSync(join(outside, 'target'), join(dir, 'main.py'))
      expect(() => writeScratchFile(dir, 'main.py', 'overwritten', 0, 0)).toThrow(/EEXIST/)
      expect(readFileSync(join(outside, 'target'), 'utf8')).toBe('original')
    })

    test('a symlinked directory on the way is refused', () => {
      symlinkSync(outside, join(dir, 'src'))
      expect(() => writeScratchFile(dir, 'src/evil.py', 'x', 0, 0)).toThrow(/src is not a directory/)
      expect(existsSync(join(outside, 'evil.py'))).toBe(false)
    })

    test('an existing file is never overwritten', () => {
      mkdirSync(join(dir, 'a'))
      writeFileSync(join(dir, 'a/b.py'), 'first')
      expect(() => writeScratchFile(dir, 'a/b.py', 'second', 0, 0)).toThrow(/EEXIST/)
      expect(readFileSync(join(dir, 'a/b.py'), 'utf8')).toBe('first')
    })
  })
})

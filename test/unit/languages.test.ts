import { commandsFor, findLanguage, languageNames, languages } from '../../runner/src/contract/languages'

describe('language table', () => {
  test('the languages by canonical name, as Piston spells them', () => {
    expect(languageNames()).toEqual(['python', 'javascript', 'c', 'cpp', 'java', 'rust', 'go', 'csharp', 'haskell', 'ocaml', 'fortran', 'd', 'r', 'erlang', 'sqlite3', 'ruby', 'php', 'lua', 'perl', 'bash', 'typescript', 'kotlin', 'octave', 'pascal'])
  })

  test.each([
    ['py', 'python'], ['python3', 'python'], ['js', 'javascript'], ['node', 'javascript'],
    ['c++', 'cpp'], ['CPP', 'cpp'], ['gcc', 'c'], ['rb', 'ruby'], ['pl', 'perl'], ['sh', 'bash'], ['lua5.4', 'lua']
  ])('alias %s finds %s', (alias, name) => {
    expect(findLanguage(alias)?.name).toBe(name)
  })

  test("java's file and commands follow the public class the code declares", () => {
    const java = findLanguage('java')!
    expect(commandsFor(java, 'public final class Solution { }')).toEqual({
      fileName: 'Solution.java',
      compile: ['javac', '-encoding', 'UTF-8', '-J-Xshare:auto', 'Solution.java'],
      run: ['java', '-Xshare:auto', 'Solution']
    })
    expect(commandsFor(java, 'class Helper {}').fileName).toBe('Main.java')
    expect(commandsFor(findLanguage('python')!, 'print(1)')).toEqual({ fileName: 'main.py', compile: undefined, run: ['python3', 'main.py'] })
  })

  test('an unknown name finds nothing', () => {
    expect(findLanguage('cobol')).toBeUndefined()
  })

  test('no alias is claimed twice and every row is complete', () => {
    const seen = new Set<string>()
    for (const language of languages) {
      for (const name of [language.name, ...language.aliases]) {
        expect(seen.has(name)).toBe(false)
        seen.add(name)
      }
      expect(language.run.length).toBeGreaterThan(0)
      expect(commandsFor(language, '').fileName).toMatch(/^[\w.]+$/)
      expect(() => new RegExp(language.versionPattern)).not.toThrow()
    }
  })

  test("a job's compile options go just before the sources, in every compiled language", () => {
    expect(commandsFor(findLanguage('c')!, '', undefined, [], ['-O0', '-DX']).compile).toEqual(['gcc', '-O2', '-pipe', '-o', 'main', '-O0', '-DX', 'main.c', '-lm'])
    expect(commandsFor(findLanguage('go')!, '', undefined, [], ['-v']).compile).toEqual(['go', 'build', '-o', 'main', '-v', 'main.go'])
    for (const language of languages.filter((entry) => entry.compile)) {
      const plain = commandsFor(language, '').compile!
      const withOptions = commandsFor(language, '', undefined, [], ['OPTION']).compile!
      const at = withOptions.indexOf('OPTION')
      expect(withOptions.filter((arg) => arg !== 'OPTION')).toEqual(plain)
      expect(withOptions[at + 1]).toContain(commandsFor(language, '').fileName)
    }
  })
})

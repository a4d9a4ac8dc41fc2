import { findLanguage, languageNames, languages } from '../../runner/src/languages'

describe('language table', () => {
  test('the languages by canonical name, as Piston spells them', () => {
    expect(languageNames()).toEqual(['python', 'javascript', 'c', 'cpp', 'ruby', 'php', 'lua', 'perl', 'bash'])
  })

  test.each([
    ['py', 'python'], ['python3', 'python'], ['js', 'javascript'], ['node', 'javascript'],
    ['c++', 'cpp'], ['CPP', 'cpp'], ['gcc', 'c'], ['rb', 'ruby'], ['pl', 'perl'], ['sh', 'bash'], ['lua5.4', 'lua']
  ])('alias %s finds %s', (alias, name) => {
    expect(findLanguage(alias)?.name).toBe(name)
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
      expect(language.fileName).toMatch(/^[\w.]+$/)
      expect(() => new RegExp(language.versionPattern)).not.toThrow()
    }
  })
})

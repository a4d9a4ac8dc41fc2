import { commandsFor, findLanguage } from '../../runner/src/contract/languages'
import { InvalidFieldError } from '../../proxy/src/errors'
import { prepareFiles } from '../../proxy/src/files'

const python = findLanguage('python')!
const ocaml = findLanguage('ocaml')!
const java = findLanguage('java')!

describe('a request\'s files, checked and split for the agent', () => {
  test('the first is the entry point, decoded to text; the others keep their bytes', () => {
    const prepared = prepareFiles([
      { name: 'app.py', content: Buffer.from('print("é")').toString('base64'), encoding: 'base64' },
      { name: 'data.bin', content: '00ff', encoding: 'hex' },
      { name: 'notes.txt', content: 'plain' }
    ], python, 1000)
    expect(prepared).toEqual({
      code: 'print("é")',
      entryName: 'app.py',
      files: [{ name: 'data.bin', content: Buffer.from([0, 255]).toString('base64'), encoding: 'base64' }, { name: 'notes.txt', content: 'plain' }]
    })
  })

  test('an unnamed entry takes the language\'s name, which then cannot be taken again', () => {
    expect(prepareFiles([{ content: 'x' }, { content: 'y' }], python, 100)).toMatchObject({ entryName: undefined, files: [{ name: 'file1.code' }] })
    expect(() => prepareFiles([{ content: 'x' }, { name: 'main.py', content: 'y' }], python, 100)).toThrow('files[1].name "main.py" is the name of an earlier file')
  })

  test('the decoded total is capped', () => {
    expect(() => prepareFiles([{ name: 'a.py', content: 'x'.repeat(60) }, { name: 'b', content: 'y'.repeat(41) }], python, 100))
      .toThrow(new InvalidFieldError('files', 'hold 101 bytes, over the limit of 100'))
  })
})

describe('commands for a multi-file job', () => {
  test('{sources} is the other files of the entry\'s extension in the order sent, then the entry', () => {
    const commands = commandsFor(ocaml, 'let () = Util.f ()', 'main.ml', [{ name: 'util.ml' }, { name: 'notes.txt' }, { name: 'more.ml' }])
    expect(commands.compile).toEqual(['ocamlopt', '-o', 'main', 'util.ml', 'more.ml', 'main.ml'])
  })

  test('a named entry is run by its name; a class-bound entry\'s class is its file\'s name', () => {
    expect(commandsFor(python, '', 'src/app.py').run).toEqual(['python3', 'src/app.py'])
    expect(commandsFor(java, 'public class Other {}', 'Program.java')).toEqual({
      fileName: 'Program.java',
      compile: ['javac', '-encoding', 'UTF-8', '-J-Xshare:auto', 'Program.java'],
      run: ['java', '-Xshare:auto', 'Program']
    })
  })
})

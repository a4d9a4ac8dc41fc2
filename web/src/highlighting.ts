// Highlighting for the languages CodeMirror has a mode for; the others are plain text.
import type { Extension } from '@codemirror/state'
import { cpp } from '@codemirror/lang-cpp'
import { java } from '@codemirror/lang-java'
import { javascript } from '@codemirror/lang-javascript'
import { python } from '@codemirror/lang-python'

export function languageExtension (language: string): Extension {
  switch (language) {
    case 'python': return python()
    case 'javascript': return javascript()
    case 'typescript': return javascript({ typescript: true })
    case 'c': case 'cpp': return cpp()
    case 'java': case 'kotlin': case 'csharp': return java()
    default: return []
  }
}

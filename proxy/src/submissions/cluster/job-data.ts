import { findLanguage } from '../../../../runner/src/contract/languages'
import type { ExecutionInput } from '../../execution'

/** A submission as a BullMQ job carries it: plain JSON, its language by name. */
export interface JobData {
  id: string
  userId: string
  input: Omit<ExecutionInput, 'language'> & { language: string }
  /** When it was admitted (epoch ms): the queue's hop is measured from here. */
  queuedAt: number
}

export function jobDataOf (id: string, userId: string, input: ExecutionInput): JobData {
  return { id, userId, input: { ...input, language: input.language.name }, queuedAt: Date.now() }
}

/**
 * The job's input again, on whichever node takes it. The language is looked up in this node's table: a
 * node of another version that lacks it says so rather than running something else.
 */
export function inputOf (data: JobData): ExecutionInput | string {
  const language = findLanguage(data.input.language)
  if (!language || language.name !== data.input.language) return `this node has no language ${JSON.stringify(data.input.language)}`
  return { ...data.input, language }
}

import { constants } from 'node:os'

// An interactive job between the proxy and the agent: GET /interactive upgraded to this protocol, the
// job's JSON line, then the client's messages as JSON lines; the agent answers as a streamed job does.

/** The Upgrade protocol of GET /interactive: after the 101, the socket carries the job both ways. */
export const INTERACTIVE_PROTOCOL = 'codeexec-interactive'

/** What a client sends during an interactive job, a JSON line each, after the job's own line. */
export type ControlMessage =
  | { type: 'stdin', data: string }
  | { type: 'eof' }
  | { type: 'signal', signal: string }

/** The signals a client may send, by name. */
export const SIGNAL_NAMES = Object.keys(constants.signals)

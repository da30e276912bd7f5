import type { ChatMessage } from '../api/groups';

/** A message as the chat shows it: stored ones by sequence, own pending ones by client id. */
export interface ShownMessage extends ChatMessage {
  pending?: boolean;
  clientId?: string;
  failed?: string;
}

/** Merge messages into a list ordered by sequence, replacing those with the same id. */
export function mergeMessages(current: readonly ShownMessage[], incoming: readonly ChatMessage[]): ShownMessage[] {
  const byId = new Map<string, ShownMessage>();
  for (const message of current) byId.set(message.id, message);
  for (const message of incoming) byId.set(message.id, { ...message, pending: false });
  const stored = [...byId.values()].filter((m) => !m.pending);
  const pending = [...byId.values()].filter((m) => m.pending);
  stored.sort((a, b) => a.sequence - b.sequence);
  return [...stored, ...pending];
}

/** Drop the pending copy of a message once the server has it under its real id. An ack can
 * come again for a message already acknowledged (it was resent after a reconnect): the copy
 * stays, once, until the stored message replaces it. */
export function settlePending(current: readonly ShownMessage[], clientId: string, id: string): ShownMessage[] {
  const hasStored = current.some((m) => m.id === id && !m.pending);
  return current.flatMap((m) => {
    if (m.clientId !== clientId || !m.pending) return [m];
    return hasStored ? [] : [{ ...m, id, pending: true }];
  });
}

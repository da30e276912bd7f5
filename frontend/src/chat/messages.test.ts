import { describe, expect, it } from 'vitest';
import { mergeMessages, settlePending, type ShownMessage } from './messages';

const m = (sequence: number, extra: Partial<ShownMessage> = {}): ShownMessage => ({
  id: `m${sequence}`,
  group_id: 'g',
  sequence,
  kind: 'text',
  sender: null,
  body: String(sequence),
  data: {},
  created_at: '',
  edited_at: null,
  deleted_at: null,
  ...extra,
});

describe('chat messages', () => {
  it('merge in sequence order without duplicates, replacing edited copies', () => {
    const merged = mergeMessages([m(3), m(1)], [m(2), m(3, { body: 'edited' })]);
    expect(merged.map((x) => x.sequence)).toEqual([1, 2, 3]);
    expect(merged[2]!.body).toBe('edited');
  });

  it('keep my pending messages last until the server has them', () => {
    const pending = m(Number.MAX_SAFE_INTEGER, { id: 'pending-c1', clientId: 'c1', pending: true });
    const acked = settlePending([m(1), pending], 'c1', 'm2');
    expect(acked.map((x) => [x.id, x.pending])).toEqual([
      ['m1', undefined],
      ['m2', true],
    ]);
    const stored = mergeMessages(acked, [m(2)]);
    expect(stored.map((x) => [x.id, x.pending])).toEqual([
      ['m1', undefined],
      ['m2', false],
    ]);
  });

  it('drop the pending copy when the message came before its ack', () => {
    const pending = m(Number.MAX_SAFE_INTEGER, { id: 'pending-c1', clientId: 'c1', pending: true });
    const both = mergeMessages([pending], [m(5)]);
    expect(settlePending(both, 'c1', 'm5').map((x) => x.id)).toEqual(['m5']);
  });

  it('show a resent message once, whichever of its stored copy and its acks comes first', () => {
    const pending = m(Number.MAX_SAFE_INTEGER, { id: 'pending-c1', clientId: 'c1', pending: true });
    // acknowledged twice (sent, then sent again after a reconnect), then stored
    const twice = settlePending(settlePending([m(1), pending], 'c1', 'm2'), 'c1', 'm2');
    expect(twice.map((x) => [x.id, x.pending])).toEqual([
      ['m1', undefined],
      ['m2', true],
    ]);
    expect(mergeMessages(twice, [m(2)]).map((x) => [x.id, x.pending])).toEqual([
      ['m1', undefined],
      ['m2', false],
    ]);
    // the stored copy from the catch-up first, then the repeat's ack
    const caughtUp = mergeMessages([m(1), pending], [m(2)]);
    expect(settlePending(caughtUp, 'c1', 'm2').map((x) => x.id)).toEqual(['m1', 'm2']);
  });
});

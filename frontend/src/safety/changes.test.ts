import { describe, expect, it } from 'vitest';
import type { SafetyAlert } from '../api/safety';
import { openAlertDetail } from '../test/safetyServer';
import { applyChange, changeFromFrame, isShowable, mergeAlert } from './changes';

const bob = { id: 'u-bob', username: 'bob', display_name: 'Bob' };
const carl = { id: 'u-carl', username: 'carl', display_name: 'Carl' };
const at = (minute: number) => `2026-12-05T21:${String(minute).padStart(2, '0')}:00Z`;
const point = (minute: number, lat = 65.58) => ({ lat, lng: 22.15, recorded_at: at(minute), accuracy_m: 10 });

const open: SafetyAlert = openAlertDetail({ id: 'a1', sender: bob, message: 'Lost near the stage', created_at: at(0) });

describe('changeFromFrame', () => {
  it('reads the three kinds of safety_alert frame', () => {
    expect(changeFromFrame({ type: 'safety_alert', change: 'raised', alert_id: 'a1', alert: { id: 'a1', status: 'open', group_id: 'c1', event: null }, message: { id: 'm', sequence: 1 } })).toEqual({
      kind: 'alert',
      id: 'a1',
      alert: { id: 'a1', status: 'open' },
    });
    const ack = { user: carl, kind: 'seen', created_at: at(1), updated_at: at(1) };
    expect(changeFromFrame({ type: 'safety_alert', change: 'acknowledged', alert_id: 'a1', acknowledgement: ack })).toEqual({ kind: 'acknowledged', id: 'a1', acknowledgement: ack });
    expect(changeFromFrame({ type: 'safety_alert', change: 'location', alert_id: 'a1', location: point(2) })).toEqual({ kind: 'location', id: 'a1', point: point(2) });
  });

  it("keeps a missed check-in's due time, which the app words in the reader's language", () => {
    const alert = { id: 'a2', alert_type: 'missed_check_in', message: '', status: 'open', check_in_due_at: at(0), group_id: 'c1' };
    expect(changeFromFrame({ type: 'safety_alert', change: 'raised', alert_id: 'a2', alert })).toEqual({
      kind: 'alert',
      id: 'a2',
      alert: { id: 'a2', alert_type: 'missed_check_in', message: '', status: 'open', check_in_due_at: at(0) },
    });
  });

  it('leaves out what it cannot use', () => {
    expect(changeFromFrame({ type: 'safety_alert', change: 'raised' })).toBeNull();
    expect(changeFromFrame({ type: 'safety_alert', change: 'acknowledged', alert_id: 'a1', acknowledgement: { kind: 'seen' } })).toBeNull();
    expect(changeFromFrame({ type: 'safety_alert', change: 'location', alert_id: 'a1', location: { lat: 'north' } })).toBeNull();
    expect(changeFromFrame({ type: 'safety_alert', change: 'moved', alert_id: 'a1' })).toBeNull();
  });
});

describe('mergeAlert', () => {
  it('keeps an alert closed when an older answer still says open', () => {
    const resolved = mergeAlert(open, { id: 'a1', status: 'resolved', resolved_at: at(9), resolved_by: bob, resolution_note: 'Found' });
    const stale = mergeAlert(resolved, { ...open, message: 'Lost near the stage!' });
    expect(stale).toMatchObject({ status: 'resolved', resolved_at: at(9), resolved_by: bob, resolution_note: 'Found', message: 'Lost near the stage!' });
  });

  it('keeps everyone’s latest answer, and the later position', () => {
    const held = { ...open, acknowledgements: [{ user: carl, kind: 'with_them' as const, created_at: at(1), updated_at: at(5) }], latest_location: point(4) };
    const older = { ...open, acknowledgements: [{ user: carl, kind: 'seen' as const, created_at: at(1), updated_at: at(1) }, { user: bob, kind: 'seen' as const, created_at: at(2), updated_at: at(2) }], latest_location: point(3) };
    const merged = mergeAlert(held, older);
    expect(merged.acknowledgements?.map((a) => [a.user.username, a.kind])).toEqual([
      ['carl', 'with_them'],
      ['bob', 'seen'],
    ]);
    expect(merged.latest_location).toEqual(point(4));
  });

  it('takes a list’s copy (no answers, no trail) without forgetting them', () => {
    const held = { ...open, acknowledgements: [{ user: carl, kind: 'seen' as const, created_at: at(1), updated_at: at(1) }], trail: [point(1)] };
    const { acknowledgements: _a, trail: _t, ...listed } = open;
    const merged = mergeAlert(held, listed);
    expect(merged.acknowledgements).toHaveLength(1);
    expect(merged.trail).toEqual([point(1)]);
  });

  it('fills what a frame lacks for an alert not held', () => {
    const alert = { id: 'a2', alert_type: 'help' as const, message: '', status: 'open' as const, sender: bob, created_at: at(0) };
    expect(isShowable(alert)).toBe(true);
    expect(isShowable({ id: 'a2', status: 'open' })).toBe(false);
    expect(mergeAlert(undefined, alert)).toMatchObject({ ...alert, crews: [], latest_location: null, location: null });
  });
});

describe('applyChange', () => {
  it('adds a position once: the first becomes the location, the later one the latest', () => {
    const moved = applyChange(open, { kind: 'location', id: 'a1', point: point(2) });
    expect(moved.location).toEqual({ lat: 65.58, lng: 22.15 });
    const again = applyChange(applyChange(moved, { kind: 'location', id: 'a1', point: point(2) }), { kind: 'location', id: 'a1', point: point(1, 65.1) });
    expect(again.latest_location).toEqual(point(2));
    expect(again.trail).toEqual([point(1, 65.1), point(2)]);
  });

  it('replaces an answer by the same person, once however many frames bring it', () => {
    const seen = { user: carl, kind: 'seen' as const, created_at: at(1), updated_at: at(1) };
    const coming = { user: carl, kind: 'on_my_way' as const, created_at: at(1), updated_at: at(3) };
    let alert = applyChange(open, { kind: 'acknowledged', id: 'a1', acknowledgement: seen });
    alert = applyChange(alert, { kind: 'acknowledged', id: 'a1', acknowledgement: coming });
    alert = applyChange(alert, { kind: 'acknowledged', id: 'a1', acknowledgement: seen });
    expect(alert.acknowledgements).toEqual([coming]);
  });
});

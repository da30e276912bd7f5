import { describe, expect, it, vi } from 'vitest';
import { markUpdated, reloadIfUpdated } from './update';

describe('moving to a new version', () => {
  it('waits for the next navigation, and reloads once', () => {
    const reload = vi.fn();
    expect(reloadIfUpdated(reload)).toBe(false);
    markUpdated();
    expect(reload).not.toHaveBeenCalled();
    expect(reloadIfUpdated(reload)).toBe(true);
    expect(reloadIfUpdated(reload)).toBe(false);
    expect(reload).toHaveBeenCalledTimes(1);
  });
});

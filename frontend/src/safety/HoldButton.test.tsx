import { act, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HoldButton } from './HoldButton';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['requestAnimationFrame', 'cancelAnimationFrame', 'performance', 'setTimeout'] });
});
afterEach(() => vi.useRealTimers());

function setup() {
  const onConfirm = vi.fn();
  render(
    <HoldButton holdMs={1500} onConfirm={onConfirm} hint="Hold for 1.5 s">
      Hold to send
    </HoldButton>,
  );
  return { onConfirm, button: screen.getByRole('button', { name: 'Hold to send' }) };
}

describe('HoldButton', () => {
  it('does nothing on a tap or a short press', () => {
    const { onConfirm, button } = setup();
    fireEvent.click(button);
    fireEvent.pointerDown(button);
    act(() => vi.advanceTimersByTime(700));
    fireEvent.pointerUp(button);
    act(() => vi.advanceTimersByTime(2000));
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it('confirms after being held, by pointer or by keyboard', () => {
    const { onConfirm, button } = setup();
    fireEvent.pointerDown(button);
    act(() => vi.advanceTimersByTime(1600));
    expect(onConfirm).toHaveBeenCalledTimes(1);
    fireEvent.pointerUp(button);
    fireEvent.keyDown(button, { key: ' ' });
    act(() => vi.advanceTimersByTime(1600));
    expect(onConfirm).toHaveBeenCalledTimes(2);
  });

  it('is described by its hint', () => {
    const { button } = setup();
    expect(button).toHaveAccessibleDescription('Hold for 1.5 s');
  });
});

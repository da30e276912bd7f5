import { act, fireEvent, screen, within } from '@testing-library/react';
import { expect, vi } from 'vitest';
import { AlertBanners } from '../safety/AlertBanners';
import { COUNTDOWN_S, HOLD_MS, SafetyButton } from '../safety/SafetyButton';
import { SafetyProvider } from '../safety/SafetyProvider';
import { renderWithApp } from './render';
import { CREW } from './safetyServer';

/** jsdom has <dialog> without its modal methods. */
export function polyfillDialog(): void {
  HTMLDialogElement.prototype.showModal = function showModal(this: HTMLDialogElement) {
    this.setAttribute('open', '');
  };
  HTMLDialogElement.prototype.close = function close(this: HTMLDialogElement) {
    this.removeAttribute('open');
    this.dispatchEvent(new Event('close'));
  };
}

/** The app's safety parts (banners and button) for the signed-in alice. */
export async function renderSafety() {
  return renderWithApp(
    <SafetyProvider>
      <AlertBanners />
      <SafetyButton />
    </SafetyProvider>,
  );
}

/** Open the dialog, hold the button, and let the countdown run out; returns the dialog. */
export async function holdAndCountDown(): Promise<HTMLElement> {
  fireEvent.click(screen.getByRole('button', { name: /Safety/ }));
  const dialog = screen.getByRole('dialog');
  await within(dialog).findByLabelText(CREW.name);
  // a position that comes now (the dialog asks for one) is at hand when the countdown ends
  await act(async () => {});
  vi.useFakeTimers({ toFake: ['requestAnimationFrame', 'cancelAnimationFrame', 'performance', 'setTimeout', 'clearTimeout'] });
  try {
    fireEvent.pointerDown(within(dialog).getByRole('button', { name: 'Hold to send alert' }));
    act(() => vi.advanceTimersByTime(HOLD_MS + 100));
    expect(within(dialog).getByRole('timer')).toBeInTheDocument();
    for (let second = 0; second < COUNTDOWN_S; second += 1) act(() => vi.advanceTimersByTime(1000));
  } finally {
    vi.useRealTimers();
  }
  return dialog;
}

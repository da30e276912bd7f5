import { act, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithApp } from '../test/render';
import { json } from '../test/fakes';
import { PushToggle } from './PushToggle';

afterEach(() => {
  vi.unstubAllGlobals();
  delete (navigator as { serviceWorker?: unknown }).serviceWorker;
});

/** Let the toggle's look-ups (the current subscription, push-config) finish. */
const settle = () => act(async () => new Promise((resolve) => setTimeout(resolve, 0)));

function pushCapable(permission: NotificationPermission, answer: NotificationPermission = permission) {
  const requestPermission = vi.fn(async () => answer);
  vi.stubGlobal('isSecureContext', true);
  vi.stubGlobal('PushManager', function PushManager() {});
  vi.stubGlobal('Notification', { permission, requestPermission });
  const registration = { active: {}, pushManager: { getSubscription: vi.fn(async () => null), subscribe: vi.fn() } };
  Object.defineProperty(navigator, 'serviceWorker', {
    configurable: true,
    value: { getRegistration: vi.fn(async () => registration), ready: Promise.resolve(registration) },
  });
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => json({ vapid_public_key: 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U' })),
  );
  return { requestPermission, registration };
}

describe('PushToggle', () => {
  it('says clearly when this browser has no push', async () => {
    await renderWithApp(<PushToggle />);
    expect(screen.getByRole('switch', { name: 'Push notifications on this device' })).toBeDisabled();
    expect(screen.getByTestId('push-state')).toHaveTextContent('This browser cannot receive push notifications.');
  });

  it('says clearly when notifications are blocked', async () => {
    pushCapable('denied');
    await renderWithApp(<PushToggle />);
    await settle();
    expect(screen.getByRole('switch')).toBeDisabled();
    expect(screen.getByTestId('push-state')).toHaveTextContent('Notifications are blocked for CrewUp in this browser.');
  });

  it('asks for permission only when switched on, and reports a refusal', async () => {
    const { requestPermission, registration } = pushCapable('default', 'denied');
    await renderWithApp(<PushToggle />, { language: 'sv' });
    await settle();
    const toggle = screen.getByRole('switch', { name: 'Pushnotiser på den här enheten' });
    expect(requestPermission).not.toHaveBeenCalled();
    await userEvent.click(toggle);
    expect(requestPermission).toHaveBeenCalledTimes(1);
    expect(await screen.findByTestId('push-state')).toHaveTextContent('Notiser är blockerade för CrewUp');
    expect(registration.pushManager.subscribe).not.toHaveBeenCalled();
    expect(toggle).not.toBeChecked();
  });
});

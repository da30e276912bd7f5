import type { ReactNode } from 'react';
import { vi } from 'vitest';
import type { SafetyAlert } from '../api/safety';
import { SafetyContextForTests } from '../safety/SafetyProvider';
import { renderWithApp } from './render';

/** `ui` rendered with these alerts as the safety context has them, its actions spies. */
export function renderWithSafety(ui: ReactNode, alerts: SafetyAlert[], options: Parameters<typeof renderWithApp>[1] = {}) {
  const value = {
    alerts,
    crews: [],
    unavailable: false,
    error: null,
    raise: vi.fn(),
    acknowledge: vi.fn(),
    resolve: vi.fn(),
    cancel: vi.fn(),
    onAlertFrame: vi.fn(),
    refreshCrews: vi.fn(),
    queued: [],
    refused: [],
    dismissRefused: vi.fn(),
    delivered: {},
  };
  return renderWithApp(<SafetyContextForTests.Provider value={value}>{ui}</SafetyContextForTests.Provider>, options);
}

import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ErrorState } from './status';
import { ApiError } from '../api/http';
import { renderWithApp } from '../test/render';

describe('ErrorState', () => {
  it('says a feature is not available yet when its API is missing, with no retry', async () => {
    await renderWithApp(<ErrorState error={new ApiError(404, 'http_404', 'Not Found')} onRetry={() => {}} />);
    expect(screen.getByRole('alert')).toHaveTextContent('not available yet');
    expect(screen.queryByRole('button', { name: 'Try again' })).toBeNull();
  });

  it("shows the API's message, with a retry", async () => {
    await renderWithApp(<ErrorState error={new ApiError(409, 'event_full', 'The event is full.')} onRetry={() => {}} />);
    expect(screen.getByRole('alert')).toHaveTextContent('The event is full.');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it('speaks Swedish too', async () => {
    await renderWithApp(<ErrorState error={new ApiError(0, 'network', '')} />, { language: 'sv' });
    expect(screen.getByRole('alert')).toHaveTextContent('Servern gick inte att nå');
  });
});

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

  it("shows the API's message of a refusal it does not know, with a retry", async () => {
    await renderWithApp(<ErrorState error={new ApiError(409, 'some_new_rule', 'A rule from a newer server.')} onRetry={() => {}} />);
    expect(screen.getByRole('alert')).toHaveTextContent('A rule from a newer server.');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it("says a refusal it knows by its code in the page's language, not in the API's English", async () => {
    await renderWithApp(<ErrorState error={new ApiError(409, 'event_full', 'The event is full; ask for a place on the waitlist instead.')} />, { language: 'sv' });
    expect(screen.getByRole('alert')).toHaveTextContent('Evenemanget är fullt; ställ dig på väntelistan i stället.');
  });

  it('speaks Swedish too', async () => {
    await renderWithApp(<ErrorState error={new ApiError(0, 'network', '')} />, { language: 'sv' });
    expect(screen.getByRole('alert')).toHaveTextContent('Servern gick inte att nå');
  });
});

import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';

/**
 * A button's API call as a mutation: busy while it runs, its refusal as `error`, and on success
 * the queries under `invalidate` read again (the action stays busy until they are, so what it
 * changed shows at once, on this page and on every other that shows it), then `after`.
 */
export function useAction(invalidate: readonly QueryKey[]) {
  const client = useQueryClient();
  const mutation = useMutation({
    mutationFn: (action: () => Promise<unknown>) => action(),
    onSuccess: () => Promise.all(invalidate.map((queryKey) => client.invalidateQueries({ queryKey }))),
  });
  const run = (action: () => Promise<unknown>, after?: () => void) => mutation.mutate(action, { onSuccess: after });
  return { busy: mutation.isPending, error: mutation.error, run };
}
